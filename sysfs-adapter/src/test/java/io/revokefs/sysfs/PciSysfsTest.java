package io.revokefs.sysfs;

import io.revokefs.kernel.Pci;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.devmem.DevMem;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.revokefs.sysfs.PciWorld.BAR0_PAGES;
import static io.revokefs.sysfs.PciWorld.BAR0_PFN;
import static io.revokefs.sysfs.PciWorld.BDF;
import static io.revokefs.sysfs.PciWorld.RESOURCE0;
import static io.revokefs.sysfs.PciWorld.RESOURCE0_ID;
import static io.revokefs.sysfs.PciWorld.mmap;
import static io.revokefs.sysfs.PciWorld.open;
import static io.revokefs.sysfs.PciWorld.page;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PCI device in sysfs: layout, permissions, mapping, and the sysfs column of docs/semantics.md section 4. */
class PciSysfsTest {

    @Test
    void aDeviceIsPublishedUnderBothPathsWithRootOnly0600ResourceFiles() {
        PciWorld w = new PciWorld();
        SysfsFile r0 = w.sysfs.file(PciBus.ROOT + "/" + BDF + "/resource0").value();
        assertThat(r0.objectId()).isEqualTo("sysfs:/devices/pci0000:00/0000:00:02.0/resource0").isEqualTo(RESOURCE0_ID);
        assertThat(r0.kernelPaths()).containsExactlyInAnyOrder(
                "/sys/devices/pci0000:00/0000:00:02.0/resource0", "/sys/bus/pci/devices/0000:00:02.0/resource0");
        assertThat(w.kernel.lookup(RESOURCE0).value()).isSameAs(r0.inode());
        assertThat(r0.inode().mode()).isEqualTo(0600);
        assertThat(r0.inode().uid()).isZero();
        assertThat(w.kernel.paths()).contains(PciBus.removePath(BDF), PciBus.resourcePath(BDF, 2));
        assertThat(w.types(RESOURCE0_ID)).first().isEqualTo("ObjectRegistered");
        assertThat(w.kernel.iomem().isBusy(BAR0_PFN, BAR0_PAGES)).isFalse();
    }

    @Test
    void resourceNOpenedByUid1000IsEacces() {
        PciWorld w = new PciWorld();
        assertThat(w.kernel.newProcess(1000).open(RESOURCE0, false).errnoOrNull()).isEqualTo(Errno.EACCES);
    }

    @Test
    void theResourceAttributeShowsEachBar() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile f = p.open(PciBus.ROOT.replace("/devices", "/sys/devices") + "/" + BDF + "/resource", true).value();
        String text = new String(p.read(f, 4096).value(), StandardCharsets.US_ASCII);
        assertThat(text.lines()).hasSize(6);
        assertThat(text.lines().findFirst().orElseThrow()).isEqualTo("0x0000000080000000 0x000000008000ffff 0x0000000000040200");
    }

    @Test
    void mmapOffsetIsBarRelativeAndVmPgoffIsThePhysicalPageInTheIomemMapping() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        assertThat(f.mapping()).isSameAs(w.kernel.iomemMapping());
        Vma v = mmap(p, f, 2, 3);
        assertThat(v.pgoff()).isEqualTo(BAR0_PFN + 3);
        assertThat(w.kernel.iomemMapping().vmasOverlapping(BAR0_PFN + 3, 2)).containsExactly(v);
        assertThat(p.mmap(f, 2, BAR0_PAGES - 1, true).errnoOrNull()).as("beyond the BAR").isEqualTo(Errno.EINVAL);
    }

    @Test
    void storesThroughDevMemAreVisibleThroughResourceN() {
        PciWorld w = new PciWorld();
        Process writer = w.root();
        Process reader = w.root();
        Vma viaDevMem = mmap(writer, open(writer, DevMem.PATH), 1, BAR0_PFN + 5);
        Vma viaSysfs = mmap(reader, open(reader, RESOURCE0), 1, 5);
        assertThat(writer.store(page(viaDevMem, 0), 0xC0FFEE).isOk()).isTrue();
        assertThat(reader.load(page(viaSysfs, 0)).value()).isEqualTo(0xC0FFEE);
    }

    @Test
    void afterAClaimMmapOfResourceNIsEinvalAndExistingMappingsSigbus() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        Vma v = mmap(p, f, 1, 0);
        PciWorld.touch(p, v);
        w.bus.claim(BDF, 0).value();
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(w.bus.claim(BDF, 0).errnoOrNull()).isEqualTo(Errno.EBUSY);
        assertThat(w.sysfs.file(PciBus.ROOT + "/" + BDF + "/resource0").value().isRemoved()).isFalse();
    }

    @Test
    void removalFreesTheBarsFromIomemAndPhysicalMemory() {
        PciWorld w = new PciWorld();
        w.bus.claim(BDF, 2).value();
        assertThat(w.bus.remove(BDF).isOk()).isTrue();
        assertThat(w.kernel.physicalMemory().regionOf(BAR0_PFN)).isNull();
        assertThat(w.kernel.iomem().isBusy(PciWorld.BAR2_PFN, 1)).isFalse();
        assertThat(w.kernel.paths()).noneMatch(s -> s.contains(BDF));
        assertThat(w.bus.remove(BDF).errnoOrNull()).isEqualTo(Errno.ENODEV);
        // The address and the physical range can be used again.
        w.bus.addDevice(BDF, Pci.Bar.at(0, BAR0_PAGES, BAR0_PFN));
    }

    @Test
    void badInputIsRejectedWithTheProblemNamed() {
        PciWorld w = new PciWorld();
        assertThatThrownBy(() -> w.bus.addDevice("00:02.0", Pci.Bar.of(0, 1))).hasMessageContaining("00:02.0");
        assertThatThrownBy(() -> w.bus.addDevice(BDF, Pci.Bar.of(0, 1))).hasMessageContaining("already exists");
        assertThatThrownBy(() -> w.bus.addDevice("0000:00:03.0", Pci.Bar.at(0, 4, BAR0_PFN + 2)))
                .hasMessageContaining("0000:00:03.0").hasMessageContaining("overlaps");
        assertThatThrownBy(() -> Pci.Bar.of(6, 1)).hasMessageContaining("BAR index 6");
        assertThat(w.kernel.iomem().isBusy(BAR0_PFN, 1)).isFalse();
        PciDevice placed = w.bus.addDevice("0000:00:03.0", Pci.Bar.of(0, 4));
        assertThat(placed.bar(0).orElseThrow().firstPfn()).isGreaterThanOrEqualTo(PciBus.DEFAULT_MMIO_BASE_PFN);
    }

    /** kernfs_file_fops has no unlocked_ioctl: vfs_ioctl answers ENOTTY, the device present or removed. */
    @Test
    void sysfsIoctlIsEnottyBeforeAndAfterRemoval() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile res = open(p, RESOURCE0);
        OpenFile text = p.open("/sys/bus/pci/devices/" + BDF + "/resource", true).value();
        assertThat(p.ioctl(res, 1, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
        assertThat(p.ioctl(text, 0x5401, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
        assertThat(w.bus.remove(BDF).isOk()).isTrue();
        assertThat(p.ioctl(res, 1, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
        assertThat(p.ioctl(text, 0x5401, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
    }

    /** docs/semantics.md section 4, sysfs column, one row at a time, after hot-unplug. */
    @Test
    void section4_everyOperationAfterHotUnplugReturnsTheSysfsColumn() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        Inode held = w.kernel.lookup(RESOURCE0).value();
        OpenFile res = open(p, RESOURCE0);
        OpenFile text = p.open("/sys/bus/pci/devices/" + BDF + "/resource", true).value();
        Vma touched = mmap(p, res, 1, 0);
        Vma untouched = mmap(p, res, 1, 1);
        PciWorld.touch(p, touched);

        assertThat(w.bus.remove(BDF).isOk()).isTrue();

        // open: the name is gone (ENOENT, as the dentry is); an inode still held is ENODEV
        assertThat(p.open(RESOURCE0, false).errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(p.open(held, false).errnoOrNull()).isEqualTo(Errno.ENODEV);
        // read, write
        assertThat(p.read(text, 10).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(p.write(res, new byte[] {1}).errnoOrNull()).isEqualTo(Errno.ENODEV);
        // poll
        assertThat(p.poll(res).value()).isEqualTo(PollBit.union(PollBit.DEFAULT_POLLMASK, PollBit.POLLERR, PollBit.POLLPRI));
        // ioctl, llseek
        assertThat(p.ioctl(res, 1, 0).errnoOrNull()).as("kernfs_file_fops has no unlocked_ioctl").isEqualTo(Errno.ENOTTY);
        assertThat(p.llseek(res, 0, 0).errnoOrNull()).as("kernfs_fop_llseek").isEqualTo(Errno.ENODEV);
        // mmap
        assertThat(p.mmap(res, 1, 0, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
        // fault: the zapped page and the never-touched one
        assertThat(p.load(page(touched, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.load(page(untouched, 0)).signal()).isEqualTo(Signal.SIGBUS);
        // vm access (ptrace)
        assertThat(w.root().accessRemote(p, page(touched, 0), 0, false).errnoOrNull()).as("kernfs_vma_access").isEqualTo(Errno.EINVAL);
        assertThat(w.root().ptracePeek(p, page(touched, 0)).errnoOrNull()).as("generic_ptrace_peekdata").isEqualTo(Errno.EIO);
        // vm open (fork): the child's copy is empty and its access SIGBUS
        Process child = p.fork();
        assertThat(child.load(page(touched, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(w.types(RESOURCE0_ID)).contains("VmaDuplicated");
        // close: succeeds, releases nothing a second time
        assertThat(p.close(res).isOk()).isTrue();
        p.exit();
        child.exit();
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.FileReleased.class))
                .singleElement().satisfies(e -> {
                    assertThat(e.file()).isEqualTo(res.id());
                    assertThat(e.cause()).isEqualTo(ReleaseCause.REVOKE);
                });
        assertThat(w.types(RESOURCE0_ID)).containsSubsequence("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.RevokeStarted.class)).singleElement()
                .extracting(RevokeEvent.RevokeStarted::cause).isEqualTo(PciBus.HOT_UNPLUG);
    }

    @Test
    void R16_driverVmOpsWithCloseAreRefusedAtMmapWithEinvalAndAReason() {
        PciWorld w = new PciWorld();
        w.sysfs.mkdir("/devices/platform/leaky");
        SysfsFile f = w.sysfs.createBinFile("/devices/platform/leaky/mem", 0600, new BinAttribute() {
            @Override
            public boolean hasMmap() {
                return true;
            }

            @Override
            public Result<Void> mmap(OpenFile file, Vma vma) {
                vma.setVmOps(new io.revokefs.kernel.VmOperations() {
                    @Override
                    public boolean hasClose() {
                        return true;
                    }
                });
                return Result.ok();
            }
        }, null);
        Process p = w.root();
        OpenFile file = open(p, "/sys/devices/platform/leaky/mem");
        assertThat(p.mmap(file, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mm().vmas()).isEmpty();
        assertThat(w.events(f.objectId(), RevokeEvent.MmapRefused.class)).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains("close"));
    }
}
