package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Target 4: how long {@link RevocableObject#revoke} takes while two threads hammer the object, one
 * reading and one faulting (each fault preceded by a zap of that page, so every load faults), and
 * how many of their operations completed while it ran.
 *
 * <p>Each round builds a fresh object (16 pages, one process, one VMA over all of them), starts the
 * two threads, lets them run until both have completed {@value #WARM_OPS} operations, then times one
 * revoke on the calling thread. "Completed during" counts the operations whose completion fell between
 * the two timestamps (successful or refused), and separately those that succeeded.
 */
final class RevokeLatency {
    static final int WARM_OPS = 200;
    static final int PAGES = 16;

    /** p50 and p99 of revoke duration (microseconds), and the median operations completed during one. */
    record Result(int rounds, double p50Micros, double p99Micros, double maxMicros,
                  long medianOpsDuring, long medianOkOpsDuring, long p99OpsDuring) {
    }

    /** A thread repeating one operation until stopped, counting completions and successes. */
    private static final class Hammer extends Thread {
        final AtomicLong done = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        volatile boolean stop;
        private final BooleanSupplier op;

        Hammer(String name, BooleanSupplier op) {
            super(name);
            setDaemon(true);
            this.op = op;
        }

        @Override
        public void run() {
            while (!stop) {
                if (op.getAsBoolean()) {
                    ok.incrementAndGet();
                }
                done.incrementAndGet();
            }
        }
    }

    /** {@code hammers}: 2 for the target (reader and faulter), 0 for a quiet baseline, 1 for the reader alone. */
    static Result run(int rounds, int hammers) throws InterruptedException {
        long[] nanos = new long[rounds];
        long[] during = new long[rounds];
        long[] okDuring = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            World world = new World(PAGES);
            RevocableObject object = world.object("lat" + r, null, null);
            AddressSpace mapping = object.mapping();
            Process proc = world.kernel.newProcess(0);
            OpenFile f = World.open(proc, world.wrappedInode(object));
            Vma vma = World.mmap(proc, f, PAGES, 0);

            long[] page = {0}; // the faulter's own cursor
            Hammer[] all = {
                new Hammer("reader", () -> proc.read(f, 4).isOk()),
                new Hammer("faulter", () -> {
                    long p = page[0];
                    page[0] = (p + 1) % PAGES;
                    mapping.unmapMappingRange(p, 1);
                    return proc.load(vma.start() + p * 4096).isOk();
                }),
            };
            Hammer[] hs = Arrays.copyOf(all, hammers);
            for (Hammer h : hs) {
                h.start();
            }
            for (Hammer h : hs) {
                while (h.done.get() < WARM_OPS) {
                    Thread.onSpinWait();
                }
            }
            long d0 = sum(hs, true);
            long k0 = sum(hs, false);
            long t0 = System.nanoTime();
            object.revoke("latency");
            long t1 = System.nanoTime();
            long d1 = sum(hs, true);
            long k1 = sum(hs, false);
            for (Hammer h : hs) {
                h.stop = true;
            }
            for (Hammer h : hs) {
                h.join();
            }
            nanos[r] = t1 - t0;
            during[r] = d1 - d0;
            okDuring[r] = k1 - k0;
        }
        Arrays.sort(nanos);
        Arrays.sort(during);
        Arrays.sort(okDuring);
        return new Result(rounds, percentile(nanos, 50) / 1e3, percentile(nanos, 99) / 1e3, nanos[rounds - 1] / 1e3,
                percentile(during, 50), percentile(okDuring, 50), percentile(during, 99));
    }

    private static long sum(Hammer[] hs, boolean done) {
        long n = 0;
        for (Hammer h : hs) {
            n += done ? h.done.get() : h.ok.get();
        }
        return n;
    }

    /** Nearest-rank percentile of a sorted array. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private RevokeLatency() {
    }
}
