package io.revokefs.core.internal;

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
         * The current thread cannot go on until {@code condition} holds; the scheduler runs other
         * threads and returns once the condition is true. It reports a deadlock when no thread can run.
         */
        void await(String label, BooleanSupplier condition);

        /** Whether the current thread is one the scheduler controls. */
        boolean controls(Thread thread);
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

    /** The scheduler controlling this thread, or {@code null}: blocking code then waits for real. */
    public static Scheduler controlling() {
        Scheduler s = scheduler;
        return s != null && s.controls(Thread.currentThread()) ? s : null;
    }

    /**
     * Waits until {@code condition} holds. Under a scheduler, the scheduler runs other threads; without
     * one, the thread parks and must be unparked by whoever makes the condition true (the caller
     * registers itself first), with a bounded park as a safety net against a lost wakeup bug turning
     * into a hang.
     */
    public static void awaitUntil(String label, BooleanSupplier condition) {
        Scheduler s = controlling();
        if (s != null) {
            s.await(label, condition);
            return;
        }
        while (!condition.getAsBoolean()) {
            LockSupport.parkNanos(condition, 1_000_000L);
        }
    }
}
