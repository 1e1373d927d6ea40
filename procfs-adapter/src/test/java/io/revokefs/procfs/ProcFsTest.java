package io.revokefs.procfs;

import io.revokefs.kernel.Pci;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** procfs behaviour beyond the shared suite: names, removal, /proc/bus/pci mmap rules and BAR zaps. */
class ProcFsTest {
    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final ProcFs procfs = new ProcFs(kernel);

    @Test
    void removeProcEntryUnbindsTheNameThenRunsTheRundownWithItsCause() {
        procfs.procMkdir("/proc/driver");
        ProcEntry e = procfs.procCreate("/proc/driver/foo", 0644, new TestProcOps(0, 0), null);
        Process p = kernel.newProcess(0);
        OpenFile f = p.open("/proc/driver/foo", false).value();
        assertThat(procfs.removeProcEntry("/proc/driver/foo")).isTrue();
        assertThat(p.open("/proc/driver/foo", false).errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(p.open(e.inode(), false).errnoOrNull()).as("proc_reg_open after the rundown").isEqualTo(Errno.ENOENT);
        assertThat(p.read(f, 4).errnoOrNull()).isEqualTo(Errno.EIO);
        assertThat(log.eventsOf("procfs:/proc/driver/foo").stream().map(RecordedEvent::event))
                .contains(new RevokeEvent.ObjectRegistered("procfs:/proc/driver/foo", "procfs"),
                        new RevokeEvent.RevokeStarted("procfs:/proc/driver/foo", "remove_proc_entry"));
        assertThat(procfs.removeProcEntry("/proc/driver/foo")).as("a missing name: Linux WARNs").isFalse();
    }

    @Test
    void removingANonEmptyDirectoryIsRefusedAndRemoveProcSubtreeRemovesIt() {
        procfs.procMkdir("/proc/a");
        procfs.procCreate("/proc/a/x", 0444, new TestProcOps(0, 0), null);
        assertThatThrownBy(() -> procfs.removeProcEntry("/proc/a")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/proc/a/x");
        assertThat(procfs.removeProcSubtree("/proc/a")).isEqualTo(1);
        assertThat(procfs.isDirectory("/proc/a")).isFalse();
        assertThatThrownBy(() -> procfs.procCreate("/proc/none/x", 0444, new TestProcOps(0, 0), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/proc/none");
    }

    @Test
    void procBusPciNamesFilesByBusAndDomain() {
        assertThat(ProcBusPci.pathOf("0000:00:02.0")).isEqualTo("/proc/bus/pci/00/02.0");
        assertThat(ProcBusPci.pathOf("0001:3a:1f.7")).isEqualTo("/proc/bus/pci/0001:3a/1f.7");
        assertThatThrownBy(() -> ProcBusPci.pathOf("00:02.0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void procBusPciMmapTakesPhysicalPagesInsideOneBarAndNeedsRawioAndMemState() {
        ProcBusPci pci = new ProcBusPci(procfs);
        pci.attachDevice(ProcBusPciConformanceTest.function(kernel, "0000:00:02.0", 0x80000, 16, 0x90000, 4));
        Process root = kernel.newProcess(0);
        OpenFile f = root.open("/proc/bus/pci/00/02.0", false).value();
        assertThat(root.mmap(f, 1, 0x80000, true).errnoOrNull()).as("I/O state on x86").isEqualTo(Errno.EINVAL);
        assertThat(root.ioctl(f, Pci.PCIIOC_MMAP_IS_MEM, 0).isOk()).isTrue();
        assertThat(root.mmap(f, 1, 0, true).errnoOrNull()).as("not inside a BAR").isEqualTo(Errno.ENODEV);
        assertThat(root.mmap(f, 2, 0x8000f, true).errnoOrNull()).as("across BAR0's end").isEqualTo(Errno.ENODEV);
        Vma v = root.mmap(f, 2, 0x90002, true).value();
        assertThat(v.pgoff()).isEqualTo(0x90002);
        assertThat(kernel.iomemGetMapping().allVmas()).containsExactly(v);

        Process user = kernel.newProcess(1000);
        OpenFile g = user.open("/proc/bus/pci/00/02.0", true).value();
        user.ioctl(g, Pci.PCIIOC_MMAP_IS_MEM, 0);
        assertThat(user.mmap(g, 1, 0x80000, false).errnoOrNull()).isEqualTo(Errno.EPERM);
    }

    @Test
    void aBarClaimedByADriverCannotBeMappedAndItsMappingsAreZapped() {
        ProcBusPci pci = new ProcBusPci(procfs);
        pci.attachDevice(ProcBusPciConformanceTest.function(kernel, "0000:00:02.0", 0x80000, 16, 0x90000, 4));
        Process p = kernel.newProcess(0);
        OpenFile f = ProcBusPciConformanceTest.openForMmap(p, "/proc/bus/pci/00/02.0").value();
        Vma before = p.mmap(f, 2, 0x90000, true).value();
        assertThat(p.mm().populatedPages(before)).isEqualTo(2);
        kernel.iomem().requestRegion("driver", 0x90000, 4, false).value(); // revoke_iomem zaps the range
        assertThat(p.mm().populatedPages(before)).isZero();
        // proc_bus_pci_mmap: iomem_is_exclusive(res->start) -> -EINVAL (IO_STRICT_DEVMEM: any busy range).
        assertThat(p.mmap(f, 1, 0x90000, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mmap(f, 1, 0x80000, true).isOk()).as("BAR0 is not claimed").isTrue();
    }

    @Test
    void detachZapsEveryBarOfTheFunctionAndNothingOfAnother() {
        ProcBusPci pci = new ProcBusPci(procfs);
        pci.attachDevice(ProcBusPciConformanceTest.function(kernel, "0000:00:02.0", 0x80000, 16, 0x90000, 4));
        pci.attachDevice(ProcBusPciConformanceTest.function(kernel, "0000:00:03.0", 0x88000, 4, 0x98000, 4));
        Process p = kernel.newProcess(0);
        OpenFile a = ProcBusPciConformanceTest.openForMmap(p, "/proc/bus/pci/00/02.0").value();
        OpenFile b = ProcBusPciConformanceTest.openForMmap(p, "/proc/bus/pci/00/03.0").value();
        Vma bar0 = p.mmap(a, 2, 0x80000, true).value();
        Vma bar2 = p.mmap(a, 4, 0x90000, true).value();
        Vma other = p.mmap(b, 4, 0x88000, true).value();
        assertThat(pci.detachDevice("0000:00:02.0")).isTrue();
        assertThat(p.mm().populatedPages(bar0) + p.mm().populatedPages(bar2)).isZero();
        assertThat(p.mm().populatedPages(other)).as("a device between the BARs keeps its mapping").isEqualTo(4);
        assertThat(p.load(bar2.start()).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(log.eventsOf("procfs:/proc/bus/pci/00/02.0").stream().map(RecordedEvent::event)
                .filter(e -> e instanceof RevokeEvent.MappingsZapped).map(e -> ((RevokeEvent.MappingsZapped) e).first()))
                .isEqualTo(List.of(0x80000L, 0x90000L));
        assertThat(p.open("/proc/bus/pci/00/02.0", false).errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(pci.detachDevice("0000:00:02.0")).isFalse();
    }

    /** pde_mmap: an entry without proc_mmap gets EIO at mmap (not ENODEV), before and after removal. */
    @Test
    void procfsMmapWithoutProcMmapIsEioBeforeAndAfterRemoval() {
        procfs.procMkdir("/proc/driver");
        procfs.procCreate("/proc/driver/nommap", 0644, new io.revokefs.kernel.FileOperations() {
        }, null);
        Process p = kernel.newProcess(0);
        OpenFile f = p.open("/proc/driver/nommap", false).value();
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).as("pde_mmap").isEqualTo(Errno.EIO);
        procfs.removeProcEntry("/proc/driver/nommap");
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).as("proc_reg_mmap, use_pde fails").isEqualTo(Errno.EIO);
    }

    /**
     * proc_reg_open clears FMODE_LSEEK for an entry without proc_lseek, so vfs_llseek fails with ESPIPE
     * before proc_reg_llseek, removed or not; an entry with proc_lseek gets EINVAL once removed.
     */
    @Test
    void procfsLlseekWithoutProcLseekIsEspipeBeforeAndAfterRemoval() {
        procfs.procMkdir("/proc/driver");
        procfs.procCreate("/proc/driver/noseek", 0644, new io.revokefs.kernel.FileOperations() {
            @Override
            public boolean hasLlseek() {
                return false;
            }
        }, null);
        procfs.procCreate("/proc/driver/seek", 0644, new TestProcOps(0, 0), null);
        Process p = kernel.newProcess(0);
        OpenFile noseek = p.open("/proc/driver/noseek", false).value();
        OpenFile seek = p.open("/proc/driver/seek", false).value();
        assertThat(p.llseek(noseek, 0, 0).errnoOrNull()).isEqualTo(Errno.ESPIPE);
        assertThat(p.llseek(seek, 0, 0).isOk()).isTrue();
        procfs.removeProcEntry("/proc/driver/noseek");
        procfs.removeProcEntry("/proc/driver/seek");
        assertThat(p.llseek(noseek, 0, 0).errnoOrNull()).as("vfs_llseek, FMODE_LSEEK clear").isEqualTo(Errno.ESPIPE);
        assertThat(p.llseek(seek, 0, 0).errnoOrNull()).as("proc_reg_llseek, use_pde fails").isEqualTo(Errno.EINVAL);
    }
}
