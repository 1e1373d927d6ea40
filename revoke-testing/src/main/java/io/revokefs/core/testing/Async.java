package io.revokefs.core.testing;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs a test's concurrent step on a thread of its own. Not the common ForkJoinPool: on a 2-core
 * machine it has one worker, and from JDK 25 on CompletableFuture no longer falls back to a thread
 * per task, so a step blocked on purpose would starve the next one (and "the second is not done"
 * would hold for the wrong reason). Threads are daemons, so a failed test cannot hold the JVM.
 */
public final class Async {
    private Async() {
    }

    public static <T> CompletableFuture<T> supply(Supplier<T> work) {
        return start(work).result();
    }

    /** A step started on a thread of its own, with the thread at hand (to check where it is blocked). */
    public record Started<T>(Thread thread, CompletableFuture<T> result) {
    }

    public static <T> Started<T> start(Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "test-async");
        t.setDaemon(true);
        t.start();
        return new Started<>(t, f);
    }

    public static CompletableFuture<Void> run(Runnable work) {
        return supply(() -> {
            work.run();
            return null;
        });
    }
}
