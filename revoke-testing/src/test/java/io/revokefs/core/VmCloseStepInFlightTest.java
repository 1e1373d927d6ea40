package io.revokefs.core;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.VmaClosed;
import io.revokefs.core.testing.Points;
import io.revokefs.core.testing.Sim;
import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.internal.Interleave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The revoke's close step when a piece owed a close is not in {@code i_mmap} while the step walks
 * it (docs/semantics.md section 9, {@link VmCloseStep#run}): an mmap between its {@code ->mmap},
 * which reached the driver before the revoke began, and its link (R03 with a driver that closes);
 * and a munmap between its unlink and the end of its close (R25). The step must wait, without
 * holding a lock, until the piece is linked (then close it) or closed by its munmap (then close
 * nothing), so that every piece gets one close and none lands after {@code RevokeCompleted}.
 * Found by mutation testing (issue 18 point 12): no test outside revoke-explore reached the wait.
 *
 * <p>Each race is driven step by step, without sleeps: the mmap is held at its {@code mmap before
 * link} interleaving point (or the munmap inside the driver's close, on a latch), and the revoke
 * is let go on only once it waits at {@code vm close: an owed piece in flight}, which the
 * scheduler sees; a wait just polls its condition.
 */
class VmCloseStepInFlightTest {
    private static final long TIMEOUT_S = 20;
    private static final String IN_FLIGHT = "vm close: an owed piece in flight";

    /** Holds one thread at its first point starting with {@code holdAt}; says when another waits at {@link #IN_FLIGHT}. */
    private static final class Stepper implements Interleave.Scheduler {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final List<String> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        final CountDownLatch waiting = new CountDownLatch(1);
        final AtomicBoolean fired = new AtomicBoolean();
        final String holdAt;
        volatile Thread holding;
        /** The thread named "revoke"'s points and, after each, its step's footprint. */
        final Points.Steps revoker = new Points.Steps();

        private boolean isRevoker() {
            return Thread.currentThread().getName().equals("revoke");
        }

        @Override
        public void touch(Object key, Interleave.Access access) {
            if (isRevoker()) {
                revoker.touch(key, access);
            }
        }

        Stepper(String holdAt) {
            this.holdAt = holdAt;
        }

        Thread start(String name, Runnable body, boolean hold) {
            Thread t = new Thread(body, name);
            threads.add(t);
            if (hold) {
                holding = t;
            }
            t.start();
            return t;
        }

        @Override
        public void point(String label) {
            if (isRevoker()) {
                revoker.point(label);
            }
            if (Thread.currentThread() == holding && holdAt != null && label.startsWith(holdAt) && fired.compareAndSet(false, true)) {
                held.countDown();
                awaitLatch(resume);
            }
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            if (isRevoker()) {
                revoker.point("await " + label);
            }
            if (label.equals(IN_FLIGHT)) {
                waits.add(label);
                waiting.countDown();
            }
            while (!condition.getAsBoolean()) {
                LockSupport.parkNanos(100_000);
            }
        }

        @Override
        public boolean controls(Thread t) {
            return threads.contains(t);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(TIMEOUT_S, TimeUnit.SECONDS)).as("latch released").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Until the revoke waits for the piece in flight (or, wrongly, finishes without waiting: then fails). */
    private static void awaitWaitingOrDone(Stepper s, Thread revoker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (!s.waiting.await(10, TimeUnit.MILLISECONDS) && revoker.isAlive() && System.nanoTime() < deadline) {
            // the revoke is still on its way to the close step
        }
        assertThat(s.waiting.getCount()).as("the close step waited for the piece in flight").isZero();
    }

    private static void join(Thread t) throws InterruptedException {
        t.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
    }

    @AfterEach
    void uninstall() {
        Interleave.uninstall();
    }

    private static List<RevokeEvent> events(Sim sim) {
        return sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event).toList();
    }

    @Test
    void R03_anMmapThatReachedTheDriverBeforeTheRevokeIsClosedByItOnceLinked() throws Exception {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Stepper s = new Stepper("mmap before link");
        Interleave.install(s);
        AtomicReference<Result<Vma>> mmap = new AtomicReference<>();
        Thread mapper = s.start("mmap", () -> mmap.set(p.mmap(f, 2, 0, true)), true);
        awaitLatch(s.held);
        assertThat(sim.object().openPieces).as("the driver's mmap ran: owed a close").hasValue(1);

        Thread revoker = s.start("revoke", () -> sim.object().revoke("hot-unplug"), false);
        try {
            awaitWaitingOrDone(s, revoker);
            assertThat(sim.typesOf(Sim.OBJECT)).as("the step waits before closing anything").doesNotContain("VmaClosed", "RevokeCompleted");
        } finally {
            s.resume.countDown();
        }
        join(mapper);
        join(revoker);

        Vma v = mmap.get().value();
        // The step that ends at the wait read the owed count (VmCloseStep.run, after a walk that found
        // no linked piece): a footprint without it would let the explorer take the wait as commuting
        // with the link that ends it.
        List<String> revokerSteps = s.revoker.labels();
        int wait = revokerSteps.indexOf("await " + IN_FLIGHT);
        assertThat(wait).as("%s", revokerSteps).isPositive();
        assertThat(revokerSteps.get(wait - 1)).as("the footprint of the step before the wait").contains("READ object " + Sim.OBJECT);
        List<RevokeEvent> events = events(sim);
        VmaClosed closed = new VmaClosed(Sim.OBJECT, v.id(), 0, 2, VmaClosed.Cause.REVOKE);
        assertThat(events).containsSubsequence(closed, new RevokeEvent.RevokeCompleted(Sim.OBJECT));
        assertThat(sim.driver().vmClosesOf(v)).isEqualTo(1);
        assertThat(sim.object().openPieces).hasValue(0);
        assertThat(p.munmap(v.start(), 2).isOk()).isTrue();
        assertThat(sim.driver().vmClosesOf(v)).as("the munmap finds it closed").isEqualTo(1);
    }

    @Test
    void R25_aMunmapClosingAfterItsUnlinkIsWaitedForAndTheRevokeClosesNothing() throws Exception {
        Sim sim = new Sim();
        CountDownLatch inClose = new CountDownLatch(1);
        CountDownLatch finishClose = new CountDownLatch(1);
        AtomicInteger closes = new AtomicInteger();
        sim.driver().setVmOps(new VmOperations() {
            @Override
            public FaultResult fault(VmFault vmf) {
                return FaultResult.SIGBUS;
            }

            @Override
            public boolean hasClose() {
                return true;
            }

            @Override
            public void close(Vma vma) {
                closes.incrementAndGet();
                inClose.countDown();
                awaitLatch(finishClose);
            }
        });
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 2, 0);
        Stepper s = new Stepper(null);
        Interleave.install(s);
        Thread unmapper = s.start("munmap", () -> p.munmap(v.start(), 2), false);
        awaitLatch(inClose);

        Thread revoker = s.start("revoke", () -> sim.object().revoke("hot-unplug"), false);
        try {
            awaitWaitingOrDone(s, revoker);
            assertThat(sim.typesOf(Sim.OBJECT)).doesNotContain("RevokeCompleted");
        } finally {
            finishClose.countDown();
        }
        join(unmapper);
        join(revoker);

        assertThat(closes).as("one close, the munmap's").hasValue(1);
        assertThat(events(sim)).containsSubsequence(new VmaClosed(Sim.OBJECT, v.id(), 0, 2, VmaClosed.Cause.UNMAP),
                new RevokeEvent.RevokeCompleted(Sim.OBJECT));
        assertThat(events(sim)).doesNotContain(new VmaClosed(Sim.OBJECT, v.id(), 0, 2, VmaClosed.Cause.REVOKE));
        assertThat(s.waits).hasSize(1);
    }
}
