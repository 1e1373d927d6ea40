package io.revokefs.sysfs;

import io.revokefs.kernel.Pci;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.core.testing.Async;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.devmem.DevMem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

import static io.revokefs.sysfs.PciWorld.BAR0_PAGES;
import static io.revokefs.sysfs.PciWorld.BAR0_PFN;
import static io.revokefs.sysfs.PciWorld.BAR2_PAGES;
import static io.revokefs.sysfs.PciWorld.BAR2_PFN;
import static io.revokefs.sysfs.PciWorld.BDF;
import static io.revokefs.sysfs.PciWorld.RESOURCE0;
import static io.revokefs.sysfs.PciWorld.RESOURCE0_ID;
import static io.revokefs.sysfs.PciWorld.RESOURCE2;
import static io.revokefs.sysfs.PciWorld.mmap;
import static io.revokefs.sysfs.PciWorld.open;
import static io.revokefs.sysfs.PciWorld.page;
import static io.revokefs.sysfs.PciWorld.touch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The docs/races.md cases of the PCI views (R03, R04, R07, R12 to R15). Orderings that matter are forced:
 * {@link RunBeforeLink} runs a revoke or a claim on another thread at the exact point where
 * {@code mmap_region} has called {@code ->mmap} but not yet linked the VMA into {@code i_mmap}.
 */
class PciRacesTest {
    private static final Duration DEADLOCK = Duration.ofSeconds(10);

    /**
     * An {@link Interleave.Scheduler} for one thread, the mmapper: when it reaches "mmap before link",
     * runs {@code action} to completion on another thread, then lets the mmapper go on. Every other
     * point passes straight through.
     */
    private static final class RunBeforeLink implements Interleave.Scheduler {
        private final Thread mmapper = Thread.currentThread();
        private final Runnable action;
        private boolean ran;

        RunBeforeLink(Runnable action) {
            this.action = action;
        }

        static <T> T around(Runnable action, java.util.function.Supplier<T> mmap) {
            RunBeforeLink s = new RunBeforeLink(action);
            Interleave.install(s);
            try {
                T t = mmap.get();
                assertThat(s.ran).as("the action ran between ->mmap and the link").isTrue();
                return t;
            } finally {
                Interleave.uninstall();
            }
        }

        @Override
        public void point(String label) {
            if (!ran && label.startsWith("mmap before link")) {
                ran = true;
                Async.run(action).orTimeout(DEADLOCK.toSeconds(), TimeUnit.SECONDS).join();
            }
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            while (!condition.getAsBoolean()) {
                LockSupport.parkNanos(1_000_000L);
            }
        }

        @Override
        public boolean controls(Thread thread) {
            return thread == mmapper;
        }
    }

    // ---------------------------------------------------------------- R03

    @Test
    void R03_mmapAfterHotUnplugOfAHeldFileFailsWithEnodev() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        w.bus.remove(BDF).value();
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.MmapRefused.class)).singleElement()
                .extracting(RevokeEvent.MmapRefused::errno).isEqualTo(Errno.ENODEV);
    }

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R03_mmapThatWinsAgainstHotUnplugLeavesNoLivePteAfterRevokeReturns(PfnMapping.Populate populate) {
        PciWorld w = new PciWorld(populate);
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        Result<Vma> r = RunBeforeLink.around(() -> w.bus.remove(BDF).value(), () -> p.mmap(f, 4, 0, true));

        assertThat(r.isOk()).as("->mmap entered before the deactivation, so the mmap succeeds").isTrue();
        assertThat(p.mm().populatedPages(r.value())).isZero();
        assertThat(p.load(page(r.value(), 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().pageTable().present()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R03_mmapRacingHotUnplugWithRealThreadsNeverLeavesALivePte(PfnMapping.Populate populate) throws Exception {
        for (int i = 0; i < 20; i++) {
            PciWorld w = new PciWorld(populate);
            Process p = w.root();
            OpenFile f = open(p, RESOURCE0);
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Result<Vma>> mmap = Async.supply(() -> {
                await(go);
                Result<Vma> r = p.mmap(f, 2, 0, true);
                if (r.isOk()) {
                    p.load(page(r.value(), 0));
                }
                return r;
            });
            CompletableFuture<Result<Void>> unplug = Async.supply(() -> {
                await(go);
                return w.bus.remove(BDF);
            });
            go.countDown();
            Result<Vma> r = mmap.get(DEADLOCK.toSeconds(), TimeUnit.SECONDS);
            assertThat(unplug.get(DEADLOCK.toSeconds(), TimeUnit.SECONDS).isOk()).isTrue();
            if (r.isOk()) {
                assertThat(p.mm().populatedPages(r.value())).as("iteration %d", i).isZero();
                assertThat(p.load(page(r.value(), 1)).signal()).isEqualTo(Signal.SIGBUS);
            } else {
                assertThat(r.errnoOrNull()).isEqualTo(Errno.ENODEV);
            }
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- R04

    /**
     * The naive driver populates in {@code ->mmap} (as Linux's {@code pci_mmap_resource_range} does);
     * a driver claim's zap runs before the VMA is in {@code i_mmap}, misses it, and the process keeps
     * reading the claimed BAR.
     */
    @Test
    void R04_populatingInsideMmapRacingAClaimLeavesALivePteToTheClaimedBar() {
        PciWorld w = PciWorld.populatingInsideMmap();
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        Vma v = RunBeforeLink.around(() -> w.bus.claim(BDF, 0).value(), () -> p.mmap(f, 4, 0, true)).value();

        RevokeEvent.MappingsZapped zap = w.events(Kernel.IOMEM_OBJECT, RevokeEvent.MappingsZapped.class).get(0);
        assertThat(zap.vmas()).as("the zap did not see the unlinked VMA").isZero();
        assertThat(w.kernel.iomem().isBusy(BAR0_PFN, 1)).isTrue();
        assertThat(p.mm().populatedPages(v)).as("live PTEs to a claimed BAR").isEqualTo(4);
        assertThat(p.load(page(v, 0)).isOk()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R04_theLibraryStrategiesLeaveNoPteInTheSameInterleaving(PfnMapping.Populate populate) {
        PciWorld w = new PciWorld(populate);
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        Vma v = RunBeforeLink.around(() -> w.bus.claim(BDF, 0).value(), () -> p.mmap(f, 4, 0, true)).value();

        assertThat(w.events(Kernel.IOMEM_OBJECT, RevokeEvent.MappingsZapped.class).get(0).vmas()).isZero();
        assertThat(p.mm().populatedPages(v)).isZero();
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().populatedPages(v)).isZero();
    }

    /** The same hole with hot-unplug: the core drains ->mmap, but the zap still runs before the link. */
    @Test
    void R04_populatingInsideMmapRacingHotUnplugLeavesLivePtesEvenThroughTheGuard() {
        PciWorld w = PciWorld.populatingInsideMmap();
        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        Vma v = RunBeforeLink.around(() -> w.bus.remove(BDF).value(), () -> p.mmap(f, 4, 0, true)).value();
        assertThat(p.mm().populatedPages(v)).isEqualTo(4);
    }

    // ---------------------------------------------------------------- R07

    @Test
    void R07_writingOneToRemoveRemovesTheDeviceFromInsideTheWriteWithoutDeadlock() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        Vma v = mmap(p, open(p, RESOURCE0), 2, 0);
        touch(p, v);
        OpenFile remove = open(p, PciBus.removePath(BDF));

        Result<Integer> r = assertTimeoutPreemptively(DEADLOCK, () -> p.write(remove, "1\n".getBytes(StandardCharsets.US_ASCII)));

        assertThat(r.value()).isEqualTo(2);
        assertThat(w.bus.device(BDF)).isEmpty();
        assertThat(w.kernel.paths()).noneMatch(s -> s.contains(BDF));
        assertThat(p.mm().populatedPages(v)).isZero();
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.write(remove, "1".getBytes(StandardCharsets.US_ASCII)).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(w.events(PciBus.resourceObjectId(BDF, 0).replace("resource0", "remove"), RevokeEvent.RevokeStarted.class))
                .singleElement().extracting(RevokeEvent.RevokeStarted::cause).isEqualTo("remove");
    }

    @Test
    void R07_twoConcurrentRemoveWritersBothSucceedAndTheDeviceGoesOnce() {
        PciWorld w = new PciWorld();
        Process a = w.root();
        Process b = w.root();
        OpenFile fa = open(a, PciBus.removePath(BDF));
        OpenFile fb = open(b, PciBus.removePath(BDF));
        List<Result<Integer>> results = assertTimeoutPreemptively(DEADLOCK, () -> {
            CompletableFuture<Result<Integer>> ra = Async.supply(() -> a.write(fa, new byte[] {'1'}));
            CompletableFuture<Result<Integer>> rb = Async.supply(() -> b.write(fb, new byte[] {'1'}));
            return List.of(ra.join(), rb.join());
        });
        // A writer that got in before the removal succeeds; one that came after gets ENODEV.
        assertThat(results).anyMatch(Result::isOk);
        assertThat(results).allMatch(r -> r.isOk() || r.errnoOrNull() == Errno.ENODEV);
        assertThat(w.bus.device(BDF)).isEmpty();
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.RevokeStarted.class)).hasSize(1);
    }

    @Test
    void R07_aRemoveWriteRacingBusRemovalDoesNotDeadlock() {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile f = open(p, PciBus.removePath(BDF));
        assertTimeoutPreemptively(DEADLOCK, () -> {
            CompletableFuture<Result<Integer>> write = Async.supply(() -> p.write(f, new byte[] {'1'}));
            CompletableFuture<Result<Void>> unplug = Async.supply(() -> w.bus.remove(BDF));
            write.join();
            unplug.join();
        });
        assertThat(w.bus.device(BDF)).isEmpty();
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.RevokeCompleted.class)).hasSize(1);
    }

    // ---------------------------------------------------------------- R12, R13

    @Test
    void R12_claimingBar0ZapsEveryViewOfBar0AndLeavesBar2() {
        PciWorld w = new PciWorld();
        Process viaDevMem = w.root();
        Process viaSysfs = w.root();
        Vma mem = mmap(viaDevMem, open(viaDevMem, DevMem.PATH), BAR0_PAGES + BAR2_PAGES, BAR0_PFN);
        Vma res0 = mmap(viaSysfs, open(viaSysfs, RESOURCE0), BAR0_PAGES, 0);
        Vma res2 = mmap(viaSysfs, open(viaSysfs, RESOURCE2), BAR2_PAGES, 0);
        touch(viaDevMem, mem);
        touch(viaSysfs, res0);
        touch(viaSysfs, res2);

        Iomem.Resource claim = w.bus.claim(BDF, 0).value();

        for (long i = 0; i < mem.pages(); i++) {
            assertThat(viaDevMem.mm().isPopulated(mem, i)).as("/dev/mem page %d", i).isEqualTo(i >= BAR0_PAGES);
        }
        assertThat(viaSysfs.mm().populatedPages(res0)).isZero();
        assertThat(viaSysfs.mm().populatedPages(res2)).isEqualTo(BAR2_PAGES);
        assertThat(viaDevMem.load(page(mem, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(viaSysfs.load(page(res0, 0)).signal()).isEqualTo(Signal.SIGBUS);
        RevokeEvent.MappingsZapped zap = w.events(Kernel.IOMEM_OBJECT, RevokeEvent.MappingsZapped.class).get(0);
        assertThat(zap.vmas()).isEqualTo(2);
        assertThat(zap.ptes()).isEqualTo(2 * BAR0_PAGES);
        assertThat(zap.first()).isEqualTo(BAR0_PFN);
        // The driver lets go: both views fault back in.
        w.bus.release(claim);
        assertThat(viaDevMem.load(page(mem, 0)).isOk()).isTrue();
        assertThat(viaSysfs.load(page(res0, 0)).isOk()).isTrue();
    }

    @Test
    void R13_aMknodAliasMappingOfTheBarIsZappedByHotUnplug() {
        PciWorld w = new PciWorld();
        w.devmem.mknod("/dev/mem2");
        Process p = w.root();
        OpenFile alias = open(p, "/dev/mem2");
        assertThat(alias.mapping()).isSameAs(w.kernel.iomemMapping());
        Vma v = mmap(p, alias, 4, BAR0_PFN);
        touch(p, v);

        w.bus.remove(BDF).value();

        assertThat(p.mm().populatedPages(v)).isZero();
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.MappingsZapped.class).get(0).vmas()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- R14, R15

    /**
     * The same BAR through sysfs resource0, /dev/mem and a /dev/mem alias, in three processes (the
     * /proc/bus/pci view joins when procfs lands); hot-unplug's one zap of resource0 reaches all three.
     */
    @Test
    void R14_oneHotUnplugZapsAllThreeViews() {
        PciWorld w = new PciWorld();
        w.devmem.mknod("/dev/mem2");
        Process a = w.root();
        Process b = w.root();
        Process c = w.root();
        Vma va = mmap(a, open(a, RESOURCE0), BAR0_PAGES, 0);
        Vma vb = mmap(b, open(b, DevMem.PATH), BAR0_PAGES, BAR0_PFN);
        Vma vc = mmap(c, open(c, "/dev/mem2"), 2, BAR0_PFN + 8);
        touch(a, va);
        touch(b, vb);
        touch(c, vc);

        w.bus.remove(BDF).value();

        List<RevokeEvent.MappingsZapped> zaps = w.events(RESOURCE0_ID, RevokeEvent.MappingsZapped.class);
        assertThat(zaps).singleElement().satisfies(z -> {
            assertThat(z.vmas()).isEqualTo(3);
            assertThat(z.ptes()).isEqualTo(2 * BAR0_PAGES + 2);
            assertThat(z.mapping()).isEqualTo(w.kernel.iomemMapping().id());
        });
        for (Process p : List.of(a, b, c)) {
            assertThat(p.mm().pageTable().present()).as("PTEs of %s", p).isZero();
        }
        assertThat(a.load(page(va, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(b.load(page(vb, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(c.load(page(vc, 0)).signal()).isEqualTo(Signal.SIGBUS);
    }

    @Test
    void R15_claimAndHotUnplugBeforeTheIomemMappingIsPublishedZapNothingAndALaterOpenSeesIt() {
        PciWorld w = new PciWorld();
        w.bus.addDevice("0000:00:03.0", Pci.Bar.of(0, 2));
        assertThat(w.kernel.iomemMapping()).isNull();

        Iomem.Resource claim = w.bus.claim(BDF, 2).value();
        w.bus.remove("0000:00:03.0").value();

        // The claim's revoke_iomem, and the unplug's final zap of the vanished BAR: nothing to zap yet.
        assertThat(w.events(Kernel.IOMEM_OBJECT, RevokeEvent.MappingsZapped.class)).hasSize(2)
                .allSatisfy(z -> assertThat(z.vmas()).isZero());
        assertThat(w.events(PciBus.resourceObjectId("0000:00:03.0", 0), RevokeEvent.MappingsZapped.class)).singleElement()
                .satisfies(z -> assertThat(z.vmas()).isZero());
        assertThat(w.kernel.iomemMapping()).isNull();

        Process p = w.root();
        OpenFile f = open(p, RESOURCE0);
        assertThat(w.kernel.iomemMapping()).isNotNull().isSameAs(f.mapping());
        assertThat(p.mmap(open(p, RESOURCE2), 1, 0, true).errnoOrNull()).as("BAR2 is still claimed").isEqualTo(Errno.EINVAL);
        Vma v = mmap(p, f, 1, 0);
        touch(p, v);
        w.bus.release(claim);
        w.bus.remove(BDF).value();
        assertThat(w.events(RESOURCE0_ID, RevokeEvent.MappingsZapped.class).get(0).vmas()).isEqualTo(1);
    }
}
