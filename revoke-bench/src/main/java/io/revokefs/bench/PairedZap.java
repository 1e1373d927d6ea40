package io.revokefs.bench;

import java.util.Arrays;

/**
 * Target 3a measured side by side: the two worlds of {@link ZapScaleBench} (no other VMAs, 100,000
 * other VMAs) live in one JVM and are timed in alternating batches, so load from other processes on a
 * shared machine falls on both alike. Each batch repopulates the object's 16 PTEs (untimed) and
 * times the zap alone, {@value #PER_BATCH} times; the result is the ratio of the medians of the
 * per-batch means.
 */
final class PairedZap {
    static final int BATCHES = 60;
    static final int PER_BATCH = 500;

    record Result(double withOthersNanos, double withoutNanos) {
        double ratio() {
            return withOthersNanos / withoutNanos;
        }
    }

    static Result run() {
        ZapScaleBench without = world(0);
        ZapScaleBench with = world(100_000);
        System.gc();
        for (int i = 0; i < 10; i++) { // warm-up, discarded
            batch(without);
            batch(with);
        }
        double[] a = new double[BATCHES];
        double[] b = new double[BATCHES];
        for (int i = 0; i < BATCHES; i++) {
            if (i % 2 == 0) {
                a[i] = batch(without);
                b[i] = batch(with);
            } else {
                b[i] = batch(with);
                a[i] = batch(without);
            }
        }
        Arrays.sort(a);
        Arrays.sort(b);
        return new Result(b[BATCHES / 2], a[BATCHES / 2]);
    }

    private static ZapScaleBench world(int others) {
        ZapScaleBench w = new ZapScaleBench();
        w.others = others;
        w.setup();
        return w;
    }

    /** Mean ns of one zap over a batch. */
    private static double batch(ZapScaleBench w) {
        long total = 0;
        for (int i = 0; i < PER_BATCH; i++) {
            w.repopulate();
            long t0 = System.nanoTime();
            w.zapObject();
            total += System.nanoTime() - t0;
        }
        return (double) total / PER_BATCH;
    }

    private PairedZap() {
    }
}
