package io.revokefs.explore;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.internal.TrackedLock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schedules run on reused carrier threads (ScheduleRun.Carriers), and every simulated thread starts
 * clean: no interrupt, no lock left in LockOrder's per-thread list by the thread a carrier carried
 * before.
 */
class CarrierReuseTest {

    private static RaceWorld empty() {
        InMemoryEventLog log = new InMemoryEventLog();
        return new RaceWorld(new Kernel(log), log);
    }

    @Test
    void theSchedulesOfAnExplorationShareAFewThreadsAndEachThreadStartsClean() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        List<String> dirty = Collections.synchronizedList(new ArrayList<>());
        ExploreCase c = ExploreCase.of("three-on-one-lock", "three threads take one lock", () -> {
            RaceWorld w = empty();
            TrackedLock l = new TrackedLock("l", LockOrder.Level.MMAP_LOCK);
            for (String name : List.of("a", "b", "c")) {
                w.thread(name, () -> {
                    threads.add(Thread.currentThread());
                    if (Thread.currentThread().isInterrupted() || !LockOrder.heldByCurrentThread().isEmpty()) {
                        dirty.add(name + " started interrupted or holding " + LockOrder.heldByCurrentThread());
                    }
                    l.writeLock();
                    l.writeUnlock();
                });
            }
            return w;
        });
        Report r = Explorer.explore(c, Explorer.Options.defaults().withSchedules(1_000, 50));
        assertThat(r.failure()).isEmpty();
        assertThat(r.schedules()).isGreaterThan(50);
        // One pool for the systematic search and one for the random schedules, three carriers each.
        assertThat(threads).hasSizeLessThanOrEqualTo(6);
        assertThat(dirty).isEmpty();
    }

    /**
     * The leaker returns still holding the innermost lock; the taker takes the outermost. In one
     * schedule they are different threads and nothing is wrong. Had the leaker's carrier been reused,
     * a later schedule's taker could run on it, still listed as holding page_table_lock, and its
     * mmap_lock would be a lock order violation that no schedule has.
     */
    @Test
    void aCarrierWhoseThreadKeptATrackedLockIsNotReused() {
        ExploreCase c = ExploreCase.of("leak", "a thread returns holding a lock", () -> {
            RaceWorld w = empty();
            TrackedLock ptl = new TrackedLock("ptl", LockOrder.Level.PAGE_TABLE_LOCK);
            TrackedLock mmap = new TrackedLock("mmap", LockOrder.Level.MMAP_LOCK);
            w.thread("leaker", ptl::writeLock);
            w.thread("taker", () -> {
                mmap.writeLock();
                mmap.writeUnlock();
            });
            return w;
        });
        Report r = Explorer.explore(c, Explorer.Options.defaults().withSchedules(100, 50));
        assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(10)).orElse("")).isEmpty();
        assertThat(r.schedules()).isGreaterThan(10);
    }

    /**
     * A thread that blocks for real, outside the scheduler, fails its schedule as stuck once
     * {@code stuckMillis} pass; it is interrupted (here that ends its wait, and its carrier ends
     * instead of being reused), and the exploration after it runs as usual.
     */
    @Test
    void aThreadStuckOutsideTheSchedulerFailsItsScheduleAndTheNextExplorationRuns() throws InterruptedException {
        CountDownLatch never = new CountDownLatch(1);
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        ExploreCase stuck = ExploreCase.of("stuck", "a thread waits on a latch nobody counts down", () -> {
            RaceWorld w = empty();
            w.thread("waiter", () -> {
                waiterThread.set(Thread.currentThread());
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            w.thread("other", () -> { });
            return w;
        });
        Explorer.Options d = Explorer.Options.defaults();
        Explorer.Options quick = new Explorer.Options(d.preemptionBound(), 10, 0, d.seed(), d.maxSteps(), 300,
                true, d.lockOrderChecking(), d.logChecks(), 1, d.reduction(), d.sleepSets());
        Report r = Explorer.explore(stuck, quick);
        assertThat(r.failure()).isPresent();
        assertThat(r.failure().get().problems().get(0)).startsWith("stuck: thread waiter");
        waiterThread.get().join(10_000);
        assertThat(waiterThread.get().isAlive()).isFalse();
        Report after = Explorer.explore(Cases.byId("R05"), Explorer.Options.defaults().withSchedules(100, 10));
        assertThat(after.failure()).isEmpty();
        assertThat(after.exhaustive()).isTrue();
    }
}
