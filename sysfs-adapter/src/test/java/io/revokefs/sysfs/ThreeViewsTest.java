package io.revokefs.sysfs;

import io.revokefs.kernel.Pci;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.devmem.DevMem;
import io.revokefs.history.Auditor;
import io.revokefs.procfs.ProcBusPci;
import io.revokefs.procfs.ProcFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/races.md R14 and R12 across the three views of one BAR: sysfs {@code resource0}, {@code /proc/bus/pci}
 * and {@code /dev/mem}, each mapped in its own process. {@code /proc/bus/pci} follows the bus through a
 * {@link PciBus.Listener}, as {@code pci_proc_attach_device} / {@code pci_proc_detach_device} do in
 * Linux. Every log is audited whole by {@link Auditor} (docs/semantics.md section 7) after each test.
 */
class ThreeViewsTest {
    static final String BDF = "0000:00:02.0";
    static final long BAR0_PFN = 0x80000;
    static final long BAR0_PAGES = 16;
    static final long BAR2_PFN = BAR0_PFN + BAR0_PAGES;
    static final long BAR2_PAGES = 4;

    final InMemoryEventLog log = new InMemoryEventLog();
    final Kernel kernel = new Kernel(log);
    final Sysfs sysfs = new Sysfs(kernel);
    final PciBus bus = new PciBus(sysfs);
    final ProcBusPci procPci = new ProcBusPci(new ProcFs(kernel));
    DevMem devmem;

    @AfterEach
    void theWholeLogIsAuditClean() {
        assertThat(Auditor.audit(log.events())).isEmpty();
    }

    private void boot(PfnMapping.Populate sysfsPopulate, PfnMapping.Populate devmemPopulate) {
        kernel.physicalMemory().addRam(0, 256);
        kernel.iomem().insert("System RAM", 0, 256);
        devmem = DevMem.register(kernel, devmemPopulate);
        bus.addListener(new PciBus.Listener() {
            @Override
            public void added(PciDevice device) {
                procPci.attachDevice(new ProcBusPci.PciFunction(device.bdf(), device.bars()));
            }

            @Override
            public void removed(PciDevice device) {
                procPci.detachDevice(device.bdf());
            }
        });
        bus.addDevice(BDF, sysfsPopulate, Pci.Bar.at(0, BAR0_PAGES, BAR0_PFN), Pci.Bar.at(2, BAR2_PAGES, BAR2_PFN));
    }

    private static long page(Vma v, long i) {
        return v.start() + i * Kernel.PAGE_SIZE;
    }

    private static void touch(Process p, Vma v) {
        for (long i = 0; i < v.pages(); i++) {
            assertThat(p.load(page(v, i)).isOk()).as("load of page %d of %s", i, v).isTrue();
        }
        assertThat(p.mm().populatedPages(v)).isEqualTo(v.pages());
    }

    /** The three views, each in its own process, each over BAR0 and BAR2 where the view allows. */
    private record Views(Process sys, Vma sys0, Vma sys2, Process proc, Vma proc02, Process mem, Vma mem02) {
        List<Process> processes() {
            return List.of(sys, proc, mem);
        }
    }

    private Views mapAll() {
        Process sys = kernel.newProcess(0);
        Vma sys0 = sys.mmap(sys.open(PciBus.resourcePath(BDF, 0), false).value(), BAR0_PAGES, 0, true).value();
        Vma sys2 = sys.mmap(sys.open(PciBus.resourcePath(BDF, 2), false).value(), BAR2_PAGES, 0, true).value();
        Process proc = kernel.newProcess(0);
        OpenFile pf = proc.open(ProcBusPci.pathOf(BDF), false).value();
        assertThat(proc.ioctl(pf, Pci.PCIIOC_MMAP_IS_MEM, 0).isOk()).isTrue();
        Vma proc0 = proc.mmap(pf, BAR0_PAGES, BAR0_PFN, true).value();
        Process mem = kernel.newProcess(0);
        Vma mem02 = mem.mmap(mem.open(DevMem.PATH, false).value(), BAR0_PAGES + BAR2_PAGES, BAR0_PFN, true).value();
        Views v = new Views(sys, sys0, sys2, proc, proc0, mem, mem02);
        touch(sys, sys0);
        touch(sys, sys2);
        touch(proc, proc0);
        touch(mem, mem02);
        for (Vma vma : List.of(sys0, sys2, proc0, mem02)) {
            assertThat(vma.file().mapping()).as("every view shares the iomem mapping").isSameAs(kernel.iomemMapping());
        }
        return v;
    }

    private <E extends RevokeEvent> List<E> events(String object, Class<E> type) {
        return log.eventsOf(object).stream().map(RecordedEvent::event).filter(type::isInstance).map(type::cast).toList();
    }

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R14_oneHotUnplugZapsSysfsProcAndDevMemViews(PfnMapping.Populate populate) {
        boot(populate, populate == PfnMapping.Populate.ON_FAULT ? PfnMapping.Populate.ON_FAULT : PfnMapping.Populate.AFTER_LINK);
        Views v = mapAll();

        assertThat(bus.remove(BDF).isOk()).isTrue();

        for (Process p : v.processes()) {
            assertThat(p.mm().pageTable().present()).as("PTEs left in %s", p).isZero();
        }
        assertThat(v.sys.load(page(v.sys0, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.sys.load(page(v.sys2, 3)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.proc.load(page(v.proc02, 5)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.mem.load(page(v.mem02, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.mem.store(page(v.mem02, BAR0_PAGES + 1), 1).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.sys.mm().vmas()).containsExactlyInAnyOrder(v.sys0, v.sys2);
        assertThat(v.proc.mm().vmas()).containsExactly(v.proc02);
        assertThat(v.mem.mm().vmas()).containsExactly(v.mem02);
        // The faults after removal install nothing in the revoked views. (/dev/mem is not revoked and
        // its fault refills: see R14_aDevMemFaultAfterHotUnplugInstallsNoPteToTheRemovedBar.)
        assertThat(v.sys.mm().pageTable().present()).isZero();
        assertThat(v.proc.mm().pageTable().present()).isZero();
        // Who zapped what: resource0 and resource2 each their BAR, /proc/bus/pci both BARs (its file
        // is detached first, from the bus's listener), /dev/mem nothing (never revoked).
        String res0 = PciBus.resourceObjectId(BDF, 0);
        String res2 = PciBus.resourceObjectId(BDF, 2);
        String procId = "procfs:" + ProcBusPci.pathOf(BDF);
        assertThat(events(res0, RevokeEvent.RevokeCompleted.class)).hasSize(1);
        assertThat(events(res2, RevokeEvent.RevokeCompleted.class)).hasSize(1);
        assertThat(events(procId, RevokeEvent.RevokeCompleted.class)).hasSize(1);
        assertThat(events(DevMem.OBJECT_ID, RevokeEvent.RevokeStarted.class)).isEmpty();
        long zapped = 0;
        for (String id : List.of(res0, res2, procId)) {
            for (RevokeEvent.MappingsZapped z : events(id, RevokeEvent.MappingsZapped.class)) {
                assertThat(z.mapping()).isEqualTo(kernel.iomemMapping().id());
                zapped += z.ptes();
            }
        }
        assertThat(zapped).as("every PTE of the three views, zapped once")
                .isEqualTo(2 * (BAR0_PAGES + BAR2_PAGES) + BAR0_PAGES);
    }

    /**
     * FAILS on the current library (disabled to keep the branch green): after the hot-unplug, an
     * access through the /dev/mem view faults, and /dev/mem's fault handler ({@code MemDriver.MemVmOps.fault},
     * re-check "not RAM, not claimed") installs a PTE to the removed BAR's page, which is no longer in
     * physical memory nor in the iomem tree; the access still reports SIGBUS, but the PTE stays. The
     * sysfs and /proc/bus/pci views are revoked and install nothing. Linux's /dev/mem has no fault
     * handler (it populates in ->mmap), so a zapped page stays empty there.
     */

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R14_aDevMemFaultAfterHotUnplugInstallsNoPteToTheRemovedBar(PfnMapping.Populate populate) {
        boot(populate, populate == PfnMapping.Populate.ON_FAULT ? PfnMapping.Populate.ON_FAULT : PfnMapping.Populate.AFTER_LINK);
        Views v = mapAll();
        assertThat(bus.remove(BDF).isOk()).isTrue();
        assertThat(v.mem.load(page(v.mem02, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.mem.mm().pageTable().present()).as("PTEs to the removed BAR after a /dev/mem fault").isZero();
    }

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R12_aClaimOfBar0ZapsAllThreeViewsInRangeAndNothingOutside(PfnMapping.Populate populate) {
        boot(populate, populate == PfnMapping.Populate.ON_FAULT ? PfnMapping.Populate.ON_FAULT : PfnMapping.Populate.AFTER_LINK);
        Views v = mapAll();

        Iomem.Resource claim = bus.claim(BDF, 0).value();

        assertThat(v.sys.mm().populatedPages(v.sys0)).isZero();
        assertThat(v.sys.mm().populatedPages(v.sys2)).as("BAR2 through sysfs").isEqualTo(BAR2_PAGES);
        assertThat(v.proc.mm().populatedPages(v.proc02)).isZero();
        for (long i = 0; i < v.mem02.pages(); i++) {
            assertThat(v.mem.mm().isPopulated(v.mem02, i)).as("/dev/mem page %d", i).isEqualTo(i >= BAR0_PAGES);
        }
        RevokeEvent.MappingsZapped zap = events(Kernel.IOMEM_OBJECT, RevokeEvent.MappingsZapped.class).get(0);
        assertThat(zap.vmas()).isEqualTo(3);
        assertThat(zap.ptes()).isEqualTo(3 * BAR0_PAGES);
        assertThat(zap.first()).isEqualTo(BAR0_PFN);
        assertThat(zap.count()).isEqualTo(BAR0_PAGES);
        assertThat(v.sys.load(page(v.sys0, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.proc.load(page(v.proc02, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.mem.load(page(v.mem02, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(v.sys.load(page(v.sys2, 0)).isOk()).isTrue();
        assertThat(v.mem.load(page(v.mem02, BAR0_PAGES)).isOk()).isTrue();
        // No object was revoked by the claim.
        assertThat(log.events().stream().map(RecordedEvent::type)).doesNotContain("RevokeStarted");

        bus.release(claim);
        assertThat(v.sys.load(page(v.sys0, 0)).isOk()).as("sysfs faults back in after release").isTrue();
        assertThat(v.mem.load(page(v.mem02, 0)).isOk()).as("/dev/mem faults back in after release").isTrue();
    }
}
