package io.revokefs.core;

import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Revocable}'s races explored over interleavings by Lincheck's model checker, as
 * {@link GuardModelCheckTest} does for the guard: consumers and revokers run as real threads, and
 * Lincheck switches between them at every shared access, reporting an assertion failure, a deadlock or
 * a livelock (a revoke that can never finish) with its interleaving.
 *
 * <ul>
 *   <li>R31: an access in flight when revoke starts keeps the resource and revoke waits for it; an
 *       access that starts after revoke began gets nothing; revoke returns after both.</li>
 *   <li>One handle shared by two consumers (the SRCU-index corruption of the 2026 review): the revoke
 *       always completes.</li>
 *   <li>R32: a resource revoked from inside an access to another resource: no deadlock.</li>
 * </ul>
 *
 * Each comes with a planted broken variant that must be caught, so that a checker which lost its
 * power (Lincheck on Temurin 25, docs/explore.md) is noticed rather than trusted: the Linux handle
 * that keeps the read-side token in a mutable field, and one grace period shared by every resource
 * (as one RCU domain is).
 */
class RevocableModelCheckTest {
    private static final int INVOCATIONS = 300;
    private static final String RES = "res";
    /** How Lincheck reports a run that cannot finish (ManagedDeadlockFailure, ManagedLivelockFailure, a timeout). */
    private static final java.util.regex.Pattern HANG = java.util.regex.Pattern.compile(
            "(?is).*(deadlock|livelock|hung).*");

    /** A consumer's way of entering and leaving, so the planted handle runs the same scenario. */
    private interface SharedConsumer {
        /** A ticket for {@link #resource} and {@link #end}, which must follow either way. */
        Object enter();

        /** The resource the entry got, or null once revoked. */
        Object resource(Object ticket);

        void end(Object ticket);
    }

    /** What the threads observed; read after every join. */
    private static final class Observed {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        volatile boolean revoked;
        volatile String violation;

        void violate(String v) {
            if (violation == null) {
                violation = v;
            }
        }
    }

    private static void runAll(Runnable... bodies) {
        List<Thread> threads = new ArrayList<>();
        for (Runnable b : bodies) {
            threads.add(new Thread(b));
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---------------------------------------------------------------- R31 and the shared handle

    /** One access through {@code c}: checks G1 and that the resource is not released under it. */
    private static final class Accessor implements Runnable {
        private final Revocable<String> r;
        private final SharedConsumer c;
        private final Observed o;

        Accessor(Revocable<String> r, SharedConsumer c, Observed o) {
            this.r = r;
            this.c = c;
            this.o = o;
        }

        @Override
        public void run() {
            boolean revokeBegan = r.isRevoked();
            Object ticket = c.enter();
            if (c.resource(ticket) != null) {
                if (revokeBegan) {
                    o.violate("G1: an access that began after revoke began got the resource");
                }
                o.inside.incrementAndGet();
                if (o.releases.get() != 0) {
                    o.violate("G2: the resource was released while an access held it");
                }
                if (o.revoked) {
                    o.violate("G2: revoke returned while an access held the resource");
                }
                o.inside.decrementAndGet();
            }
            c.end(ticket);
        }
    }

    private static final class Revoker implements Runnable {
        private final Revocable<String> r;
        private final Observed o;

        Revoker(Revocable<String> r, Observed o) {
            this.r = r;
            this.o = o;
        }

        @Override
        public void run() {
            r.revoke();
            if (o.inside.get() != 0) {
                o.violate("G2: revoke returned while an access held the resource");
            }
            if (o.releases.get() != 1) {
                o.violate("revoke returned before its release ran once");
            }
            o.revoked = true;
        }
    }

    /** The library's way: each access is its own {@link Revocable.Access}; the handle is immutable. */
    private static final class AccessPerCall implements SharedConsumer {
        private final Revocable.Handle<String> handle;

        AccessPerCall(Revocable.Handle<String> handle) {
            this.handle = handle;
        }

        @Override
        public Object enter() {
            return handle.tryAccess();
        }

        @Override
        public Object resource(Object ticket) {
            return ((Revocable.Access<?>) ticket).orNull();
        }

        @Override
        public void end(Object ticket) {
            ((Revocable.Access<?>) ticket).close();
        }
    }

    /**
     * The planted bug, Linux's {@code struct revocable { rp; idx; }}: the token of the read-side
     * section is stored in the handle, which two threads share, so one thread's failed entry
     * overwrites another's token and that one's exit is lost: the revoke can never finish.
     */
    private static final class TokenInTheHandle implements SharedConsumer {
        private final Guard guard;
        private volatile int idx;

        TokenInTheHandle(Guard guard) {
            this.guard = guard;
        }

        @Override
        public Object enter() {
            idx = guard.tryEnter(); // rev->idx = srcu_read_lock(&rp->srcu)
            return idx < 0 ? null : RES;
        }

        @Override
        public Object resource(Object ticket) {
            return ticket;
        }

        @Override
        public void end(Object ticket) {
            int t = idx; // srcu_read_unlock(&rp->srcu, rev->idx)
            if (t >= 0) {
                guard.exit(t);
            }
        }
    }

    /** The planted handle's provider: a guard and the revoke of {@link Revocable}, without its Access. */
    private static final class TokenInTheHandleRevoker implements Runnable {
        private final Guard guard;
        private final Observed o;

        TokenInTheHandleRevoker(Guard guard, Observed o) {
            this.guard = guard;
            this.o = o;
        }

        @Override
        public void run() {
            guard.deactivate();
            guard.drain();
            o.revoked = true;
        }
    }

    /** Two consumers share one handle; one revoker. */
    private static void sharedHandleScenario() {
        Observed o = new Observed();
        Revocable<String> r = Revocable.of("r", RES, x -> o.releases.incrementAndGet());
        SharedConsumer shared = new AccessPerCall(r.handle().value());
        runAll(new Accessor(r, shared, o), new Accessor(r, shared, o), new Revoker(r, o));
        if (o.violation != null) {
            throw new AssertionError(o.violation);
        }
    }

    private static void plantedSharedTokenScenario() {
        Observed o = new Observed();
        Guard g = new Guard();
        SharedConsumer shared = new TokenInTheHandle(g);
        Revocable<String> probe = Revocable.of("probe", RES); // isRevoked() for the Accessor; never revoked
        runAll(new Accessor(probe, shared, o), new Accessor(probe, shared, o), new TokenInTheHandleRevoker(g, o));
    }

    /** R31: two consumers with their own handles, one revoker. */
    private static void r31Scenario() {
        Observed o = new Observed();
        Revocable<String> r = Revocable.of("r", RES, x -> o.releases.incrementAndGet());
        runAll(new Accessor(r, new AccessPerCall(r.handle().value()), o),
                new Accessor(r, new AccessPerCall(r.handle().value()), o),
                new Revoker(r, o));
        if (o.violation != null) {
            throw new AssertionError(o.violation);
        }
    }

    // ---------------------------------------------------------------- R32 nested

    /** Two resources and the ways to access and revoke them. */
    private interface Pair {
        /** Runs {@code body} inside an access to resource {@code which} (0 or 1), or not at all if revoked. */
        void inside(int which, Runnable body);

        void revoke(int which);
    }

    private static final class Library implements Pair {
        private final List<Revocable<String>> rs = List.of(Revocable.of("a", "A"), Revocable.of("b", "B"));

        @Override
        public void inside(int which, Runnable body) {
            rs.get(which).tryAccessOrSkip(x -> body.run());
        }

        @Override
        public void revoke(int which) {
            rs.get(which).revoke();
        }
    }

    /**
     * The planted bug: one read-side count for every resource, as one RCU domain has (Rust's
     * {@code Revocable::revoke} waits with {@code synchronize_rcu()}): a revoke waits for every reader
     * of every resource, including the caller's own access to the other one.
     */
    private static final class OneGracePeriod implements Pair {
        private final AtomicInteger readers = new AtomicInteger();
        private final AtomicInteger[] available = {new AtomicInteger(1), new AtomicInteger(1)};

        @Override
        public void inside(int which, Runnable body) {
            readers.incrementAndGet(); // rcu_read_lock
            try {
                if (available[which].get() == 1) {
                    body.run();
                }
            } finally {
                readers.decrementAndGet(); // rcu_read_unlock
            }
        }

        @Override
        public void revoke(int which) {
            available[which].set(0);
            while (readers.get() != 0) { // synchronize_rcu
                Thread.yield();
            }
        }
    }

    /** One thread revokes B from inside its access to A; another accesses B; a third revokes A. */
    private static void nestedScenario(Pair p) {
        runAll(new NestedRevoker(p), new PlainAccess(p), new OuterRevoker(p));
    }

    private static final class NestedRevoker implements Runnable {
        private final Pair p;

        NestedRevoker(Pair p) {
            this.p = p;
        }

        @Override
        public void run() {
            p.inside(0, () -> p.revoke(1));
        }
    }

    private static final class PlainAccess implements Runnable {
        private final Pair p;

        PlainAccess(Pair p) {
            this.p = p;
        }

        @Override
        public void run() {
            p.inside(1, () -> { });
        }
    }

    private static final class OuterRevoker implements Runnable {
        private final Pair p;

        OuterRevoker(Pair p) {
            this.p = p;
        }

        @Override
        public void run() {
            p.revoke(0);
        }
    }

    // ---------------------------------------------------------------- the controls, then the checks

    private static boolean sharedTokenCaught;
    private static boolean oneGracePeriodCaught;
    private static String sharedTokenReport;
    private static String oneGracePeriodReport;

    @BeforeAll
    static void checkerFindsThePlantedBugs() {
        try {
            Lincheck.runConcurrentTest(INVOCATIONS, RevocableModelCheckTest::plantedSharedTokenScenario);
            sharedTokenCaught = false;
        } catch (Throwable expected) {
            sharedTokenCaught = true;
            sharedTokenReport = String.valueOf(expected.getMessage());
        }
        try {
            Lincheck.runConcurrentTest(INVOCATIONS, () -> nestedScenario(new OneGracePeriod()));
            oneGracePeriodCaught = false;
        } catch (Throwable expected) {
            oneGracePeriodCaught = true;
            oneGracePeriodReport = String.valueOf(expected.getMessage());
        }
    }

    private static void requireCheckerPower(boolean caught, String control) {
        assumeTrue(caught, () -> "Lincheck did not catch the planted " + control + " on Java " + Runtime.version()
                + " (seen on Temurin 25, docs/explore.md): its verdict on Revocable would mean nothing");
    }

    @Test
    void plantedTokenInASharedHandleIsCaughtOnJdk17() {
        assumeTrue(Runtime.version().feature() == 17, "the control is required on JDK 17, informative elsewhere");
        assertThat(sharedTokenCaught).as("Lincheck caught the revoke that never finishes, in @BeforeAll").isTrue();
        assertThat(sharedTokenReport).as("reported as a hang, not as some other failure").matches(HANG);
    }

    @Test
    void plantedOneGracePeriodForEveryResourceIsCaughtOnJdk17() {
        assumeTrue(Runtime.version().feature() == 17, "the control is required on JDK 17, informative elsewhere");
        assertThat(oneGracePeriodCaught).as("Lincheck caught the nested revoke waiting for itself, in @BeforeAll").isTrue();
        assertThat(oneGracePeriodReport).as("reported as a hang, not as some other failure").matches(HANG);
    }

    @Test
    void R31_accessInFlightKeepsTheResourceAndAnAccessDuringRevokeGetsNothing() {
        requireCheckerPower(sharedTokenCaught, "shared-token handle");
        Lincheck.runConcurrentTest(INVOCATIONS, RevocableModelCheckTest::r31Scenario);
    }

    @Test
    void oneHandleSharedByTwoThreadsNeverStopsTheRevokeFromFinishing() {
        requireCheckerPower(sharedTokenCaught, "shared-token handle");
        Lincheck.runConcurrentTest(INVOCATIONS, RevocableModelCheckTest::sharedHandleScenario);
    }

    @Test
    void R32_resourceRevokedFromInsideAnAccessToAnotherDoesNotDeadlock() {
        requireCheckerPower(oneGracePeriodCaught, "one-grace-period revoke");
        Lincheck.runConcurrentTest(INVOCATIONS, () -> nestedScenario(new Library()));
    }
}
