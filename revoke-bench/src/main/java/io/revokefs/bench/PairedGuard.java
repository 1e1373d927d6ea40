package io.revokefs.bench;

import io.revokefs.core.Guard;
import io.revokefs.core.Revocable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Targets 1a and 1c side by side in one JVM ({@link Paired}, the measuring thread's CPU time): a
 * batch is one loop of {@value #BATCH} pairs, each variant in its own method so that no call per pair
 * is timed with it. The JMH figures of {@link GuardBench} are printed beside these.
 */
final class PairedGuard {
    static final int BATCH = 200_000;

    private final AtomicInteger bare = new AtomicInteger();
    private final Guard guard = new Guard();
    private final Revocable<AtomicInteger> revocable = Revocable.of("bench", new AtomicInteger());
    /** Keeps the loops' results alive. */
    private long sink;

    long bareAtomic() {
        long s = 0;
        for (int i = 0; i < BATCH; i++) {
            bare.incrementAndGet();
            s += bare.decrementAndGet();
        }
        sink += s;
        return BATCH;
    }

    long guard() {
        long s = 0;
        for (int i = 0; i < BATCH; i++) {
            int t = guard.tryEnter();
            if (t >= 0) {
                guard.exit(t);
            }
            s += t;
        }
        sink += s;
        return BATCH;
    }

    long revocableAccess() {
        long s = 0;
        for (int i = 0; i < BATCH; i++) {
            try (Revocable.Access<AtomicInteger> a = revocable.tryAccess()) {
                s += a.isPresent() ? 1 : 0;
            }
        }
        sink += s;
        return BATCH;
    }

    static Map<String, Paired.Figure> run() {
        PairedGuard g = new PairedGuard();
        Map<String, Paired.Variant> variants = new LinkedHashMap<>();
        variants.put("bareAtomic", g::bareAtomic);
        variants.put("guard", g::guard);
        variants.put("revocableAccess", g::revocableAccess);
        Map<String, Paired.Figure> out = Paired.run(variants, 20, 101);
        if (g.sink == Long.MIN_VALUE) {
            throw new AssertionError("unreachable: keeps the loops' sums");
        }
        return out;
    }
}
