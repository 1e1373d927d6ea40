package io.revokefs.kernel.internal;

import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * The places where the library's threads can interleave: guard entry and exit, lock acquisition,
 * page table updates, and every wait. A schedule explorer installs a {@link Scheduler} to take
 * control of them; with none installed each call is a plain static read.
 *
 * <p>The hook is a plain (non-volatile) static field: install it before starting the threads it
 * controls ({@link Thread#start()} publishes it) and remove it after joining them.
 */
public final class Interleave {

    /** A schedule explorer's view of the library's interleaving points. */
    public interface Scheduler {
        /** The current thread reached a point where another thread may run. */
        void point(String label);

        /**
         * {@link #point(String)}, where going on may block: {@code wouldBlock} tells, for the thread
         * at the point, whether it would wait (at {@code waitLabel}) if it went on now. It has no
         * effect and may be asked from any thread while the one at the point is stopped. A schedule
         * explorer may then count that thread as blocked rather than runnable. The default ignores it.
         */
        default void point(String label, String waitLabel, java.util.function.Predicate<Thread> wouldBlock) {
            point(label);
        }

        /**
         * The current thread cannot go on until {@code condition} holds; the scheduler runs other
         * threads and returns once the condition is true. It reports a deadlock when no thread can run.
         */
        void await(String label, BooleanSupplier condition);

        /**
         * {@link #await}, for a caller that has done nothing with an effect on shared state since its
         * last {@link #point}: a first look that finds {@code condition} false leaves everything as
         * that point found it, which a schedule explorer may use to skip the schedules that only
         * repeat others. The default is {@link #await}.
         */
        default void awaitSincePoint(String label, BooleanSupplier condition) {
            await(label, condition);
        }

        /** Whether the current thread is one the scheduler controls. */
        boolean controls(Thread thread);

        /**
         * The current thread accessed shared state named {@code key} ({@link Interleave#touch}); a
         * schedule explorer adds it to the footprint of the thread's current step. The default ignores it.
         */
        default void touch(Object key, Access access) {
        }
    }

    /**
     * How a step used a piece of shared state. Two steps conflict on a key unless both only read it,
     * or both only {@linkplain #ADD add} to it.
     */
    public enum Access {
        READ,
        WRITE,
        /** A commutative update whose result the step does not use (a counter's atomic add). */
        ADD,
        /**
         * The step did something whose shared state is not declared: it conflicts with every step
         * ({@link Interleave#touchUnknown()}).
         */
        UNKNOWN,
        /** {@link #UNKNOWN} for this step and every later step of the thread ({@link Interleave#undeclaredFromNowOn()}). */
        UNKNOWN_FROM_NOW_ON
    }

    private static Scheduler scheduler;

    private Interleave() {
    }

    public static void install(Scheduler s) {
        scheduler = s;
    }

    public static void uninstall() {
        scheduler = null;
    }

    /** A point where another thread may run. */
    public static void point(String label) {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.point(label);
        }
    }

    /**
     * A point labelled {@code prefix + " " + detail}; the label is only built when a scheduler
     * controls the thread, so the hot paths allocate nothing for it.
     */
    public static void point(String prefix, String detail) {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.point(prefix + " " + detail);
        }
    }

    /**
     * A point before an acquisition that may block ({@link TrackedLock}): {@code wouldBlock} tells,
     * with no effect and from any thread, whether the thread at the point would wait at
     * {@code waitLabel} if it went on now ({@link Scheduler#point(String, String, java.util.function.Predicate)}).
     */
    public static void point(String label, String waitLabel, java.util.function.Predicate<Thread> wouldBlock) {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.point(label, waitLabel, wouldBlock);
        }
    }

    /**
     * Declares an access to shared state that no {@link TrackedLock} protects, for a schedule
     * explorer's partial-order reduction (docs/explore.md, "Partial-order reduction"): steps (the
     * code a thread runs between two points) that touch no common key, or only read it, commute.
     * Every read or write of state shared between threads outside a lock must be declared, or the
     * explorer may skip a schedule that behaves differently. {@code key} is compared with
     * {@code equals} across schedules, so it must name the same state in every schedule: a constant,
     * or a name fixed when the state was created (a lock's name, a pid), never an identity hash.
     * Coarser keys are always safe. A no-op when no scheduler controls the thread.
     */
    public static void touch(Object key, boolean write) {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.touch(key, write ? Access.WRITE : Access.READ);
        }
    }

    /** {@link #touch}, for a commutative update whose result the caller does not use ({@link Access#ADD}). */
    public static void touchAdd(Object key) {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.touch(key, Access.ADD);
        }
    }

    /**
     * The current step did something whose shared state is not declared (a condition supplied by a
     * caller, code outside the audited modules): a schedule explorer must take it to conflict with
     * every other step.
     */
    public static void touchUnknown() {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.touch(null, Access.UNKNOWN);
        }
    }

    /**
     * The current thread runs, from now on, code whose shared state is not declared (an adapter, a
     * scenario runner, a test's own driver): a schedule explorer must take each of its later steps to
     * conflict with every other step, which turns the footprint reduction off for it.
     */
    public static void undeclaredFromNowOn() {
        Scheduler s = scheduler;
        if (s != null && s.controls(Thread.currentThread())) {
            s.touch(null, Access.UNKNOWN_FROM_NOW_ON);
        }
    }

    /** The scheduler controlling this thread, or {@code null}: blocking code then waits for real. */
    public static Scheduler controlling() {
        Scheduler s = scheduler;
        return s != null && s.controls(Thread.currentThread()) ? s : null;
    }

    /**
     * Waits until {@code condition} holds; {@code condition} must have no effect when it is false
     * (a schedule explorer takes a false look for a step that changed nothing). Under a scheduler,
     * the scheduler runs other threads; without one, the thread parks and must be unparked by whoever makes the condition true (the caller
     * registers itself first), with a bounded park as a safety net against a lost wakeup bug turning
     * into a hang.
     */
    public static void awaitUntil(String label, BooleanSupplier condition) {
        await(label, condition, false);
    }

    /**
     * {@link #awaitUntil}, for a caller that has changed no shared state since its last
     * {@link #point} (a {@link TrackedLock} whose {@code tryLock} failed right after its point), and
     * whose {@code condition} has no effect when false. The scheduler may then treat a false first
     * look as a step that changed nothing ({@link Scheduler#awaitSincePoint}).
     */
    public static void awaitUntilSincePoint(String label, BooleanSupplier condition) {
        await(label, condition, true);
    }

    private static void await(String label, BooleanSupplier condition, boolean sincePoint) {
        Scheduler s = controlling();
        if (s != null) {
            if (sincePoint) {
                s.awaitSincePoint(label, condition);
            } else {
                s.await(label, condition);
            }
            return;
        }
        while (!condition.getAsBoolean()) {
            LockSupport.parkNanos(condition, 1_000_000L);
        }
    }
}
