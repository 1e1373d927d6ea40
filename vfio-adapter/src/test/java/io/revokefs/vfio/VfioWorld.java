package io.revokefs.vfio;

import io.revokefs.kernel.Pci;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.devmem.DevMem;
import io.revokefs.history.Auditor;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.Sysfs;

import java.util.List;

/**
 * A small machine for the vfio tests: 256 pages of RAM, sysfs with a PCI bus, /dev/mem, and one
 * device {@value #BDF} (BAR0: 16 pages at {@value #BAR0_PFN}, BAR2: 4 pages after it) bound to
 * vfio-pci as {@code /dev/vfio/devices/vfio0} with the given population strategy.
 */
final class VfioWorld {
    static final String BDF = "0000:00:02.0";
    static final long BAR0_PFN = 0x80000;
    static final long BAR0_PAGES = 16;
    static final long BAR2_PFN = BAR0_PFN + BAR0_PAGES;
    static final long BAR2_PAGES = 4;
    static final String PATH = "/dev/vfio/devices/vfio0";
    static final String ID = "vfio:" + PATH;

    final InMemoryEventLog log = new InMemoryEventLog();
    final Kernel kernel = new Kernel(log);
    final Sysfs sysfs = new Sysfs(kernel);
    final PciBus bus = new PciBus(sysfs);
    final DevMem devmem = DevMem.register(kernel);
    final VfioPci vfio = new VfioPci(kernel, bus);
    final VfioDevice device;

    VfioWorld(VfioPci.Populate populate) {
        this(populate, VfioDevice.Naive.NONE);
    }

    VfioWorld(VfioPci.Populate populate, VfioDevice.Naive bug) {
        kernel.physicalMemory().addRam(0, 256);
        kernel.iomem().insert("System RAM", 0, 256);
        bus.addDevice(BDF, Pci.Bar.at(0, BAR0_PAGES, BAR0_PFN), Pci.Bar.at(2, BAR2_PAGES, BAR2_PFN));
        device = vfio.bind(BDF, populate).value();
        device.plant(bug);
    }

    Process root() {
        return kernel.newProcess(0);
    }

    OpenFile open(Process p) {
        return p.open(device.inode(), false).value();
    }

    static Vma mmap(Process p, OpenFile f, int region, long pages, long offset) {
        return VfioDevice.mmap(p, f, region, pages, offset).value();
    }

    static long page(Vma v, long i) {
        return v.start() + i * Kernel.PAGE_SIZE;
    }

    <E extends RevokeEvent> List<E> events(Class<E> type) {
        return log.eventsOf(ID).stream().map(RecordedEvent::event).filter(type::isInstance).map(type::cast).toList();
    }

    /** The whole log through the section 7 auditor (NO_PTE_WHILE_MEMORY_OFF included). */
    List<Auditor.Finding> audit() {
        return Auditor.audit(log.events().stream());
    }
}
