package io.revokefs.sysfs;

import io.revokefs.kernel.Pci;
import io.revokefs.core.testing.Planted;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.devmem.DevMem;

import java.util.List;

/**
 * A small machine for tests: 256 pages of RAM at page 0, sysfs with a PCI bus, /dev/mem, and one
 * device {@value #BDF} with BAR0 (16 pages at {@value #BAR0_PFN}) and BAR2 (4 pages right after it).
 */
final class PciWorld {
    static final String BDF = "0000:00:02.0";
    static final long BAR0_PFN = 0x80000;
    static final long BAR0_PAGES = 16;
    static final long BAR2_PFN = BAR0_PFN + BAR0_PAGES;
    static final long BAR2_PAGES = 4;
    static final String RESOURCE0 = PciBus.resourcePath(BDF, 0);
    static final String RESOURCE2 = PciBus.resourcePath(BDF, 2);
    static final String RESOURCE0_ID = PciBus.resourceObjectId(BDF, 0);

    final InMemoryEventLog log = new InMemoryEventLog();
    final Kernel kernel = new Kernel(log);
    final Sysfs sysfs = new Sysfs(kernel);
    final PciBus bus = new PciBus(sysfs);
    final DevMem devmem = DevMem.register(kernel);
    final PciDevice device;

    PciWorld() {
        this(PfnMapping.Populate.ON_FAULT);
    }

    /** A world whose device's resourceN files populate inside {@code ->mmap}, as Linux's do (planted, R04). */
    static PciWorld populatingInsideMmap() {
        return new PciWorld(PfnMapping.Populate.AFTER_LINK, true);
    }

    PciWorld(PfnMapping.Populate populate) {
        this(populate, false);
    }

    private PciWorld(PfnMapping.Populate populate, boolean populateInsideMmap) {
        if (populateInsideMmap) {
            bus.plantInResourceMmap(Planted::populateInsideMmap);
        }
        kernel.physicalMemory().addRam(0, 256);
        kernel.iomem().insert("System RAM", 0, 256);
        device = bus.addDevice(BDF, populate, Pci.Bar.at(0, BAR0_PAGES, BAR0_PFN), Pci.Bar.at(2, BAR2_PAGES, BAR2_PFN));
    }

    Process root() {
        return kernel.newProcess(0);
    }

    static OpenFile open(Process p, String path) {
        return p.open(path, false).value();
    }

    static Vma mmap(Process p, OpenFile f, long pages, long pgoff) {
        return p.mmap(f, pages, pgoff, true).value();
    }

    static long page(Vma v, long i) {
        return v.start() + i * Kernel.PAGE_SIZE;
    }

    /** Loads every page of {@code v} (populating it on fault). */
    static void touch(Process p, Vma v) {
        for (long i = 0; i < v.pages(); i++) {
            if (!p.load(page(v, i)).isOk()) {
                throw new AssertionError("load of page " + i + " of " + v + " failed");
            }
        }
    }

    <E extends RevokeEvent> List<E> events(String object, Class<E> type) {
        return log.eventsOf(object).stream().map(RecordedEvent::event).filter(type::isInstance).map(type::cast).toList();
    }

    List<String> types(String object) {
        return log.eventsOf(object).stream().map(RecordedEvent::type).toList();
    }
}
