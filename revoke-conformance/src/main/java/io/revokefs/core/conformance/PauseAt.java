package io.revokefs.core.conformance;

import io.revokefs.kernel.internal.Interleave;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Holds one thread at the first interleaving point of the core whose label matches, so a test can
 * force an operation to be in flight (inside the guard) when something else happens, without a hook
 * in the adapter and without sleeping for a while and hoping: a read paused at {@code "guard exit"}
 * has run the driver and not yet left the guard; a fault paused at {@code "insert_pfn"} is inside
 * {@code ->fault}; a release paused at {@code "release file-N"} has won the release-once race. Other
 * points, and waits, run freely (waits poll their condition). The core's points include
 * {@code "guard enter"}, {@code "guard exit"}, {@code "guard deactivate"}, {@code "fault"}, {@code "insert_pfn"},
 * {@code "mmap before link"}, {@code "i_mmap insert"}, {@code "zap"}, {@code "release"},
 * {@code "vm close"} and {@code "copy_page_range"}; a label may carry a detail after a space
 * ({@code "release file-3"}), so match with {@link #startsWith}.
 *
 * <pre>{@code
 * AtomicReference<Result<byte[]>> got = new AtomicReference<>();
 * try (PauseAt reader = new PauseAt(l -> l.equals("guard exit"), () -> got.set(p.read(f, 8))).start()) {
 *     reader.awaitPaused();      // the read has run the driver and is still inside the guard
 *     // ... start the revoke on another thread: it must wait for this read ...
 * }                              // close() resumes the read and joins it
 * }</pre>
 *
 * <p>Use: {@link #start()} installs the scheduler and starts the thread; {@link #awaitPaused()};
 * act; {@link #resume()} (or {@link #resumeAndPauseAgain()}); {@link #join()} (or {@link #close()}), which uninstalls it. One at a time
 * per JVM. To know that a thread is asleep in a driver's wait queue instead, use
 * {@link io.revokefs.kernel.WaitQueue#sleepers()}.
 */
public final class PauseAt implements Interleave.Scheduler, AutoCloseable {
    private final Predicate<String> label;
    private final Thread thread;
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile CountDownLatch paused = new CountDownLatch(1);
    private volatile CountDownLatch resume = new CountDownLatch(1);

    /** A thread that will run {@code body} and stop at the first point whose label {@code label} accepts. */
    public PauseAt(Predicate<String> label, Runnable body) {
        this.label = label;
        this.thread = new Thread(body, "paused-at");
        this.thread.setDaemon(true);
    }

    /** Labels that start with {@code prefix} ({@code "release"} matches {@code "release file-3"}). */
    public static Predicate<String> startsWith(String prefix) {
        return l -> l.startsWith(prefix);
    }

    /** Installs this as the core's scheduler and starts the thread. */
    public PauseAt start() {
        Interleave.install(this);
        thread.start();
        return this;
    }

    /** Waits (10 s at most) until the thread is held at the point; fails if it never gets there. */
    public void awaitPaused() throws InterruptedException {
        if (!paused.await(ConformanceSuite.TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new AssertionError("the thread never reached the pause point");
        }
    }

    /** Lets the thread go on. */
    public void resume() {
        resume.countDown();
    }

    /**
     * Lets the held thread go and waits until it is held again at the next point the label matches
     * (the predicate may look at state the test changed while the thread was held).
     */
    public void resumeAndPauseAgain() throws InterruptedException {
        CountDownLatch held = resume;
        paused = new CountDownLatch(1);
        resume = new CountDownLatch(1);
        fired.set(false);
        held.countDown();
        awaitPaused();
    }

    /** Resumes the thread, waits for it to finish (10 s at most) and uninstalls the scheduler. */
    public void join() throws InterruptedException {
        resume();
        thread.join(TimeUnit.SECONDS.toMillis(ConformanceSuite.TIMEOUT_S));
        Interleave.uninstall();
        if (thread.isAlive()) {
            throw new AssertionError("the paused thread did not finish");
        }
    }

    @Override
    public void close() throws InterruptedException {
        join();
    }

    @Override
    public void point(String l) {
        if (label.test(l) && fired.compareAndSet(false, true)) {
            CountDownLatch p = paused;
            CountDownLatch r = resume;
            p.countDown();
            try {
                r.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void await(String l, BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            LockSupport.parkNanos(200_000L);
        }
    }

    @Override
    public boolean controls(Thread t) {
        return t == thread;
    }
}
