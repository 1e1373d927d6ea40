package io.revokefs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Variants of one measurement timed side by side in one JVM: rounds of one batch of each variant, in
 * an order that rotates every round, so load from other processes on a shared machine falls on all
 * of them alike. Each batch is timed twice: wall clock ({@link System#nanoTime}) and the CPU time of
 * the measuring thread ({@link ThreadMXBean#getCurrentThreadCpuTime}), which does not count the time
 * the thread waited for a core another process held. The figure of a variant is the median, over
 * the rounds, of its per-operation cost in a batch.
 *
 * <p>Used for the targets whose JMH figures, taken one benchmark after the other, moved by up to 15x
 * between runs on the shared machine (docs/performance.md).
 */
final class Paired {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One side of a comparison. */
    interface Variant {
        /** Untimed work before each batch (building a fresh world, say). */
        default void prepare() {
        }

        /** The timed batch; returns how many operations it did. */
        long batch();
    }

    /** Medians of the per-operation costs, in nanoseconds. */
    record Figure(double wallNanos, double cpuNanos) {
    }

    static Map<String, Figure> run(Map<String, Variant> variants, int warmupRounds, int rounds) {
        if (!THREADS.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time");
        }
        THREADS.setThreadCpuTimeEnabled(true);
        List<String> names = new ArrayList<>(variants.keySet());
        Map<String, double[]> wall = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        for (String n : names) {
            wall.put(n, new double[rounds]);
            cpu.put(n, new double[rounds]);
        }
        for (int r = -warmupRounds; r < rounds; r++) {
            for (int k = 0; k < names.size(); k++) {
                String n = names.get(Math.floorMod(r + k, names.size()));
                Variant v = variants.get(n);
                v.prepare();
                long c0 = THREADS.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                long ops = v.batch();
                long w1 = System.nanoTime();
                long c1 = THREADS.getCurrentThreadCpuTime();
                if (r >= 0) {
                    wall.get(n)[r] = (double) (w1 - w0) / ops;
                    cpu.get(n)[r] = (double) (c1 - c0) / ops;
                }
            }
        }
        Map<String, Figure> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, new Figure(median(wall.get(n)), median(cpu.get(n))));
        }
        return out;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private Paired() {
    }
}
