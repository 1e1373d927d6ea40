package io.revokefs.bench;

import io.revokefs.core.Guard;
import io.revokefs.core.Revocable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Target 1: the cost of one enter+exit pair, in ns, of three guards on ONE shared object (the state
 * is {@link Scope#Benchmark}); the runner runs the class at 1 and at 2 threads.
 * <ul>
 *   <li>{@link #bareAtomic}: an AtomicInteger increment then decrement, the floor;</li>
 *   <li>{@link #kernfsGuard}: a kernfs-style single shared counter, {@code atomic_inc_unless_negative}
 *       then {@code atomic_dec_return} with the bias check ({@code kernfs_get_active/put_active});</li>
 *   <li>{@link #revokefsGuard}: {@link Guard#tryEnter()} then {@link Guard#exit(int)};</li>
 *   <li>{@link #revocableAccess}: {@link Revocable#tryAccess()} and its end, in try-with-resources, on
 *       a live resource (the resource-level API, issue 15);</li>
 *   <li>{@link #revocableOrSkip}: {@link Revocable#tryAccessOrSkip}, the scoped form with a body.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GuardBench {

    /** {@code kn->active} with {@code KN_DEACTIVATED_BIAS}, as fs/kernfs/dir.c. */
    static final class KernfsActive {
        static final int DEACTIVATED_BIAS = Integer.MIN_VALUE + 1;
        final AtomicInteger active = new AtomicInteger();
        volatile int wakeups;

        /** {@code kernfs_get_active}: {@code atomic_inc_unless_negative}. */
        boolean get() {
            int v = active.get();
            while (v >= 0) {
                int witness = active.compareAndExchange(v, v + 1);
                if (witness == v) {
                    return true;
                }
                v = witness;
            }
            return false;
        }

        /** {@code kernfs_put_active}: the put that leaves the bare bias wakes the drainer. */
        void put() {
            if (active.decrementAndGet() == DEACTIVATED_BIAS) {
                wakeups++;
            }
        }
    }

    private final AtomicInteger bare = new AtomicInteger();
    private final KernfsActive kernfs = new KernfsActive();
    private final Guard guard = new Guard();
    private final Revocable<AtomicInteger> revocable = Revocable.of("bench", new AtomicInteger());

    @Benchmark
    public int bareAtomic() {
        bare.incrementAndGet();
        return bare.decrementAndGet();
    }

    @Benchmark
    public boolean kernfsGuard() {
        boolean in = kernfs.get();
        if (in) {
            kernfs.put();
        }
        return in;
    }

    @Benchmark
    public int revokefsGuard() {
        int t = guard.tryEnter();
        if (t >= 0) {
            guard.exit(t);
        }
        return t;
    }

    @Benchmark
    public int revocableAccess() {
        try (Revocable.Access<AtomicInteger> a = revocable.tryAccess()) {
            return a.isPresent() ? 1 : 0;
        }
    }

    @Benchmark
    public boolean revocableOrSkip() {
        return revocable.tryAccessOrSkip(NO_OP);
    }

    private static final java.util.function.Consumer<AtomicInteger> NO_OP = r -> { };
}
