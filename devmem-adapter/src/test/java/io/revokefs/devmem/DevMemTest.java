package io.revokefs.devmem;

import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Capability;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

/** /dev/mem on its own: permissions, refusals, driver claims, aliases, publication of the iomem mapping. */
class DevMemTest {
    private static final long RAM_PFN = 0x0;
    private static final long RAM_PAGES = 0x100;
    private static final long MMIO_PFN = 0x80000;
    private static final long MMIO_PAGES = 16;

    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);

    DevMemTest() {
        kernel.physicalMemory().addRam(RAM_PFN, RAM_PAGES);
        kernel.iomem().insert("System RAM", RAM_PFN, RAM_PAGES);
        kernel.physicalMemory().addMmio(MMIO_PFN, MMIO_PAGES, "dev BAR0");
        kernel.iomem().insert("dev BAR0", MMIO_PFN, MMIO_PAGES);
    }

    private static long page(Vma v, long i) {
        return v.start() + i * Kernel.PAGE_SIZE;
    }

    private static void touchAll(Process p, Vma v) {
        for (long i = 0; i < v.pages(); i++) {
            assertThat(p.load(page(v, i)).isOk()).as("load page %d of %s", i, v).isTrue();
        }
    }

    @Test
    void openWithoutCapSysRawioIsEperm() {
        DevMem.register(kernel);
        Process rootWithoutRawio = kernel.newProcess(0, EnumSet.of(Capability.CAP_SYS_ADMIN));
        assertThat(rootWithoutRawio.open(DevMem.PATH, false).errnoOrNull()).isEqualTo(Errno.EPERM);
        assertThat(log.eventsOf(DevMem.OBJECT_ID)).extracting(RecordedEvent::type).contains("OpenRefused");
    }

    @Test
    void openByAnUnprivilegedUidIsEaccesFromTheModeBitsBeforeTheCapabilityCheck() {
        DevMem.register(kernel);
        assertThat(kernel.newProcess(1000).open(DevMem.PATH, false).errnoOrNull()).isEqualTo(Errno.EACCES);
    }

    @Test
    void openSetsFMappingToTheOneIomemMapping() {
        DevMem dm = DevMem.register(kernel);
        OpenFile f = kernel.newProcess(0).open(DevMem.PATH, false).value();
        assertThat(f.mapping()).isSameAs(kernel.iomemMapping());
        assertThat(f.mapping()).isNotSameAs(dm.inode().mapping());
    }

    @Test
    void mmapOfRamIsEperm() {
        DevMem.register(kernel);
        Process p = kernel.newProcess(0);
        OpenFile f = p.open(DevMem.PATH, false).value();
        assertThat(p.mmap(f, 1, RAM_PFN + 4, true).errnoOrNull()).isEqualTo(Errno.EPERM);
        // A range that only ends in RAM is refused too: every page must be allowed.
        assertThat(p.mmap(f, 2, RAM_PFN + RAM_PAGES - 1, true).errnoOrNull()).isEqualTo(Errno.EPERM);
    }

    @Test
    void mmapUsesThePhysicalPageAsPgoff() {
        DevMem.register(kernel);
        Process p = kernel.newProcess(0);
        OpenFile f = p.open(DevMem.PATH, false).value();
        Vma v = p.mmap(f, 2, MMIO_PFN + 3, true).value();
        assertThat(v.pgoff()).isEqualTo(MMIO_PFN + 3);
        assertThat(p.store(page(v, 0), 42).isOk()).isTrue();
        Vma w = p.mmap(f, 1, MMIO_PFN + 3, true).value();
        assertThat(p.load(page(w, 0)).value()).isEqualTo(42);
    }

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R12_aDriverClaimZapsTheDevMemPtesInItsRangeAndLeavesTheOthers(PfnMapping.Populate populate) {
        DevMem.register(kernel, populate);
        Process p = kernel.newProcess(0);
        OpenFile f = p.open(DevMem.PATH, false).value();
        Vma v = p.mmap(f, MMIO_PAGES, MMIO_PFN, true).value();
        touchAll(p, v);
        assertThat(p.mm().populatedPages(v)).isEqualTo(MMIO_PAGES);

        Iomem.Resource claim = kernel.iomem().requestRegion("driver", MMIO_PFN + 4, 4, false).value();

        for (long i = 0; i < MMIO_PAGES; i++) {
            boolean claimed = i >= 4 && i < 8;
            assertThat(p.mm().isPopulated(v, i)).as("PTE of page %d", i).isEqualTo(!claimed);
            assertThat(p.load(page(v, i)).signal()).as("load of page %d", i).isEqualTo(claimed ? Signal.SIGBUS : null);
        }
        // The device is not revoked by a claim; new mappings over the claim are refused (IO_STRICT_DEVMEM).
        assertThat(log.eventsOf(DevMem.OBJECT_ID)).extracting(RecordedEvent::type).doesNotContain("RevokeStarted");
        assertThat(p.mmap(f, 1, MMIO_PFN + 5, true).errnoOrNull()).isEqualTo(Errno.EPERM);
        assertThat(p.mmap(f, 1, MMIO_PFN + 9, true).isOk()).isTrue();

        // Once the driver lets go, the same VMA faults the pages back in.
        kernel.iomem().releaseRegion(claim);
        assertThat(p.load(page(v, 5)).isOk()).isTrue();
    }

    @Test
    void R13_aMknodAliasSharesTheIomemMappingAndItsPtesAreZappedToo() {
        DevMem dm = DevMem.register(kernel);
        Inode alias = dm.mknod("/dev/mem2");
        assertThat(alias).isNotSameAs(dm.inode());
        assertThat(alias.mapping()).isNotSameAs(dm.inode().mapping());

        Process a = kernel.newProcess(0);
        Process b = kernel.newProcess(0);
        OpenFile fa = a.open(DevMem.PATH, false).value();
        OpenFile fb = b.open("/dev/mem2", false).value();
        assertThat(fb.mapping()).isSameAs(fa.mapping()).isSameAs(kernel.iomemMapping());
        Vma va = a.mmap(fa, 2, MMIO_PFN, true).value();
        Vma vb = b.mmap(fb, 2, MMIO_PFN, true).value();
        touchAll(a, va);
        touchAll(b, vb);
        assertThat(kernel.iomemMapping().vmasOverlapping(MMIO_PFN, 2)).containsExactlyInAnyOrder(va, vb);

        kernel.iomem().requestRegion("driver", MMIO_PFN, MMIO_PAGES, false).value();

        assertThat(a.mm().populatedPages(va)).isZero();
        assertThat(b.mm().populatedPages(vb)).isZero();
        assertThat(b.load(page(vb, 0)).signal()).isEqualTo(Signal.SIGBUS);
        RevokeEvent.MappingsZapped z = (RevokeEvent.MappingsZapped) log.eventsOf(Kernel.IOMEM_OBJECT).get(0).event();
        assertThat(z.vmas()).isEqualTo(2);
        assertThat(z.ptes()).isEqualTo(4);
    }

    @Test
    void R15_aClaimBeforeTheIomemMappingIsPublishedZapsNothingAndALaterOpenPublishesIt() {
        assertThat(kernel.iomemMapping()).isNull();
        Iomem.Resource claim = kernel.iomem().requestRegion("early driver", MMIO_PFN, 2, false).value();
        RevokeEvent.MappingsZapped z = (RevokeEvent.MappingsZapped) log.eventsOf(Kernel.IOMEM_OBJECT).get(0).event();
        assertThat(z.vmas()).isZero();
        assertThat(z.ptes()).isZero();
        assertThat(kernel.iomemMapping()).isNull();

        DevMem.register(kernel);
        Process p = kernel.newProcess(0);
        OpenFile f = p.open(DevMem.PATH, false).value();
        AddressSpace published = kernel.iomemMapping();
        assertThat(published).isNotNull().isSameAs(f.mapping());
        assertThat(p.mmap(f, 1, MMIO_PFN, true).errnoOrNull()).isEqualTo(Errno.EPERM); // still claimed
        Vma v = p.mmap(f, 1, MMIO_PFN + 2, true).value();
        assertThat(p.load(page(v, 0)).isOk()).isTrue();

        kernel.iomem().releaseRegion(claim);
        kernel.iomem().requestRegion("driver", MMIO_PFN + 2, 1, false).value();
        assertThat(p.mm().populatedPages(v)).isZero();
    }
}
