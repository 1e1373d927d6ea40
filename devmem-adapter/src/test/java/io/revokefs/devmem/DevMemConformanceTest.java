package io.revokefs.devmem;

import io.revokefs.kernel.PfnMapping;
import io.revokefs.core.testing.Async;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.history.Auditor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static io.revokefs.devmem.DevMemClaimConformanceTest.BAR_PAGES;
import static io.revokefs.devmem.DevMemClaimConformanceTest.BAR_PFN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conformance cases of /dev/mem that {@link DevMemClaimConformanceTest} (the shared suite) cannot
 * state for a driver claim, under the suite's case names: the zap is read from the {@code iomem}
 * object's {@code MappingsZapped} (where {@code revoke_iomem} records it), and R20's EINVAL comes from
 * {@code generic_access_phys} itself, not from a guard. Plus what "not applicable" rests on: a claim
 * leaves /dev/mem's file operations alone, and a second claim is EBUSY. Every log is audited
 * ({@link Auditor}, docs/semantics.md section 7) after each test.
 */
class DevMemConformanceTest {
    private DevMemClaimConformanceTest.World w;

    private DevMemClaimConformanceTest.World world(PfnMapping.Populate populate) {
        w = new DevMemClaimConformanceTest.World(populate);
        return w;
    }

    @AfterEach
    void theLogIsAuditClean() {
        if (w != null) {
            assertThat(Auditor.audit(w.log.events())).isEmpty();
        }
    }

    private static long page(Vma v, long i) {
        return v.start() + i * Kernel.PAGE_SIZE;
    }

    private static Vma mapBar(Process p, long pages) {
        OpenFile f = p.open(DevMem.PATH, false).value();
        return p.mmap(f, pages, BAR_PFN, true).value();
    }

    private static void populate(Process p, Vma v, long pages) {
        for (long i = 0; i < pages; i++) {
            assertThat(p.load(page(v, i)).isOk()).as("load of page %d before the claim", i).isTrue();
        }
    }

    private List<RevokeEvent.MappingsZapped> iomemZaps() {
        return w.log.eventsOf(Kernel.IOMEM_OBJECT).stream().map(RecordedEvent::event)
                .filter(RevokeEvent.MappingsZapped.class::isInstance).map(RevokeEvent.MappingsZapped.class::cast).toList();
    }

    private List<String> devmemTypes() {
        return w.log.eventsOf(DevMem.OBJECT_ID).stream().map(RecordedEvent::type).toList();
    }

    /** ROW_FAULT: an access after the claim raises SIGBUS, the VMA stays, its PTEs are gone. */
    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void accessAfterRevokeRaisesSigbusAndTheVmaStays(PfnMapping.Populate populate) {
        world(populate);
        Process p = w.kernel.newProcess(0);
        Vma v = mapBar(p, 2);
        populate(p, v, 2);
        w.claim().value();
        assertThat(iomemZaps()).singleElement().satisfies(z -> {
            assertThat(z.vmas()).isEqualTo(1);
            assertThat(z.ptes()).isEqualTo(2);
        });
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.store(page(v, 1), 5).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().vmas()).containsExactly(v);
        assertThat(p.mm().populatedPages(v)).isZero();
        assertThat(devmemTypes()).doesNotContain("RevokeStarted", "FileReleased");
    }

    /** R10: partial munmap, then the claim zaps both remaining pieces (and only them). */
    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R10_partialMunmapThenRevokeZapsBothRemainingPieces(PfnMapping.Populate populate) {
        world(populate);
        Process p = w.kernel.newProcess(0);
        Vma v = mapBar(p, 4);
        populate(p, v, 4);
        long start = v.start();
        assertThat(p.munmap(page(v, 1), 1).isOk()).isTrue();
        assertThat(p.mm().vmas()).hasSize(2);
        w.claim().value();
        assertThat(iomemZaps()).singleElement().satisfies(z -> {
            assertThat(z.vmas()).isEqualTo(2);
            assertThat(z.ptes()).isEqualTo(3);
        });
        assertThat(p.mm().pageTable().present()).isZero();
        assertThat(p.load(start).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.load(start + Kernel.PAGE_SIZE).signal()).isEqualTo(Signal.SIGSEGV);
        assertThat(p.load(start + 3 * Kernel.PAGE_SIZE).signal()).isEqualTo(Signal.SIGBUS);
    }

    /**
     * R20: ptrace access works before the claim and is EINVAL after it: {@code generic_access_phys}
     * finds no PTE ({@code follow_pte} fails). No guard refused it, so no {@code AccessRefused}.
     */
    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R20_ptraceAccessWorksBeforeRevokeAndFailsWithTheAdaptersErrnoAfter(PfnMapping.Populate populate) {
        world(populate);
        Process p = w.kernel.newProcess(0);
        Process tracer = w.kernel.newProcess(0);
        Vma v = mapBar(p, 1);
        assertThat(p.store(page(v, 0), 7).isOk()).isTrue();
        assertThat(tracer.accessRemote(p, page(v, 0), 0, false).value()).isEqualTo(7);
        w.claim().value();
        assertThat(tracer.accessRemote(p, page(v, 0), 0, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(devmemTypes()).doesNotContain("AccessRefused");
    }

    /**
     * R02 for a claim: a fault held inside the page table lock when the claim comes. The claim marks
     * the region busy, then its zap waits for the lock; the fault's re-check under the lock sees the
     * claim and installs nothing (SIGBUS). No PTE in the claimed range either way.
     */
    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R02_faultRacingAClaimLeavesNoPteInTheClaimedRange(PfnMapping.Populate populate) throws Exception {
        world(populate);
        Process p = w.kernel.newProcess(0);
        Vma v = mapBar(p, 1);
        // AFTER_LINK populated the page at mmap: empty it with a claim and release, so the load faults.
        if (p.mm().populatedPages(v) > 0) {
            w.kernel.iomem().releaseRegion((Iomem.Resource) w.claim().value());
            assertThat(p.mm().populatedPages(v)).isZero();
        }
        Vma mapped = v;
        AtomicReference<MemoryAccess> load = new AtomicReference<>();
        Hold hold = new Hold("insert_pfn");
        Thread faulter = new Thread(() -> load.set(p.load(page(mapped, 0))), "faulter");
        hold.thread = faulter;
        Interleave.install(hold);
        CompletableFuture<Result<?>> claim;
        try {
            faulter.start();
            assertThat(hold.held.await(10, TimeUnit.SECONDS)).as("the fault reached insert_pfn").isTrue();
            claim = Async.supply(w::claim);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!w.kernel.iomem().isBusy(BAR_PFN, 1) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(20);
            assertThat(claim).as("the claim's zap waits for the page table lock").isNotDone();
        } finally {
            hold.release.countDown();
            faulter.join(10_000);
            Interleave.uninstall();
        }
        assertThat(claim.get(10, TimeUnit.SECONDS).isOk()).isTrue();
        assertThat(load.get().signal()).as("the fault saw the claim under the lock").isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().pageTable().present()).isZero();
        assertThat(p.load(page(mapped, 0)).signal()).isEqualTo(Signal.SIGBUS);
    }

    /** Why the section 4 file rows do not apply: a claim leaves /dev/mem's files alone. */
    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void fileOperationsAreUnaffectedByAClaim(PfnMapping.Populate populate) {
        world(populate);
        Process p = w.kernel.newProcess(0);
        OpenFile f = p.open(DevMem.PATH, false).value();
        w.claim().value();
        assertThat(p.open(DevMem.PATH, false).isOk()).as("open after a claim").isTrue();
        assertThat(p.mmap(f, 1, BAR_PFN, true).errnoOrNull()).as("mmap over the claim").isEqualTo(Errno.EPERM);
        assertThat(p.close(f).isOk()).isTrue();
        assertThat(devmemTypes()).doesNotContain("RevokeStarted", "AccessRefused").containsOnlyOnce("FileReleased");
    }

    /** Why R22 does not apply: a second claim of the busy region is EBUSY and zaps nothing. */
    @ParameterizedTest
    @EnumSource(value = PfnMapping.Populate.class, names = {"ON_FAULT", "AFTER_LINK"})
    void R22_aSecondClaimIsEbusyAndZapsNothing(PfnMapping.Populate populate) {
        world(populate);
        Process p = w.kernel.newProcess(0);
        Vma v = mapBar(p, 2);
        populate(p, v, 2);
        w.claim().value();
        assertThat(w.claim().errnoOrNull()).isEqualTo(Errno.EBUSY);
        assertThat(iomemZaps()).hasSize(1);
        assertThat(p.mm().populatedPages(v)).isZero();
    }

    /** Holds one thread at the first point whose label starts with {@code prefix}. */
    private static final class Hold implements Interleave.Scheduler {
        final String prefix;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Thread thread;
        private boolean fired;

        Hold(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public void point(String label) {
            if (!fired && label.startsWith(prefix)) {
                fired = true;
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            while (!condition.getAsBoolean()) {
                LockSupport.parkNanos(200_000L);
            }
        }

        @Override
        public boolean controls(Thread t) {
            return t == thread;
        }
    }
}
