package io.revokefs.core.conformance;

import io.revokefs.core.Interleave;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Holds one thread at the first {@link Interleave} point whose label matches, so a test can force
 * an operation to be in flight (inside the guard) without a hook in the adapter: a read paused at
 * {@code "guard exit"} has run the driver and not yet left the guard; a fault paused at
 * {@code "insert_pfn"} is inside {@code ->fault}; a release paused at {@code "release file-N"} has won
 * the release-once race. Other points, and waits, run freely (waits poll their condition).
 *
 * <p>Use: {@link #start()} installs the scheduler and starts the thread; {@link #awaitPaused()};
 * act; {@link #resume()} (or {@link #resumeAndPauseAgain()}); {@link #join()}, which uninstalls it.
 * One at a time per JVM.
 */
final class PauseAt implements Interleave.Scheduler, AutoCloseable {
    private final Predicate<String> label;
    private final Thread thread;
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile CountDownLatch paused = new CountDownLatch(1);
    private volatile CountDownLatch resume = new CountDownLatch(1);

    PauseAt(Predicate<String> label, Runnable body) {
        this.label = label;
        this.thread = new Thread(body, "paused-at");
        this.thread.setDaemon(true);
    }

    static Predicate<String> startsWith(String prefix) {
        return l -> l.startsWith(prefix);
    }

    PauseAt start() {
        Interleave.install(this);
        thread.start();
        return this;
    }

    void awaitPaused() throws InterruptedException {
        if (!paused.await(ConformanceSuite.TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new AssertionError("the thread never reached the pause point");
        }
    }

    void resume() {
        resume.countDown();
    }

    /**
     * Lets the held thread go and waits until it is held again at the next point the label matches
     * (the predicate may look at state the test changed while the thread was held).
     */
    void resumeAndPauseAgain() throws InterruptedException {
        CountDownLatch held = resume;
        paused = new CountDownLatch(1);
        resume = new CountDownLatch(1);
        fired.set(false);
        held.countDown();
        awaitPaused();
    }

    void join() throws InterruptedException {
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
