package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;

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

    static Result run(int rounds) throws InterruptedException {
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
            Hammer[] hs = {
                new Hammer("reader", () -> proc.read(f, 4).isOk()),
                new Hammer("faulter", () -> {
                    long p = page[0];
                    page[0] = (p + 1) % PAGES;
                    mapping.unmapMappingRange(p, 1);
                    return proc.load(vma.start() + p * 4096).isOk();
                }),
            };
            for (Hammer h : hs) {
                h.start();
            }
            while (hs[0].done.get() < WARM_OPS || hs[1].done.get() < WARM_OPS) {
                Thread.onSpinWait();
            }
            long d0 = hs[0].done.get() + hs[1].done.get();
            long k0 = hs[0].ok.get() + hs[1].ok.get();
            long t0 = System.nanoTime();
            object.revoke("latency");
            long t1 = System.nanoTime();
            long d1 = hs[0].done.get() + hs[1].done.get();
            long k1 = hs[0].ok.get() + hs[1].ok.get();
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

    /** Nearest-rank percentile of a sorted array. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private RevokeLatency() {
    }
}
