package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.Arrays;

/**
 * Issue 16's bound measured side by side: the revoke of an object mapped by 10,000 VMAs across 100
 * processes (as {@link RevokeScaleBench}), once with a driver whose vm_ops has {@code ->close} (the
 * close step closes all 10,000, taking each mm's {@code mmap_lock}) and once with one without (the
 * step is skipped). Fresh worlds are built untimed before each timed revoke, the two variants
 * alternate in one JVM, each revoke is timed in the CPU time of the thread that runs it (a shared,
 * overloaded machine preempts wall-clock measurements unevenly), and the result is the ratio of the
 * medians.
 */
final class PairedVmClose {
    static final int VMAS = 10_000;
    static final int PROCESSES = 100;
    static final int ROUNDS = 21;
    /** The revoke runs on the calling thread: its CPU time is the revoke's, whatever else the machine runs. */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    record Result(double closingMicros, double plainMicros) {
        double ratio() {
            return closingMicros / plainMicros;
        }
    }

    static Result run() {
        for (int i = 0; i < 5; i++) { // warm-up, discarded
            revoke(true);
            revoke(false);
        }
        double[] closing = new double[ROUNDS];
        double[] plain = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            if (i % 2 == 0) {
                closing[i] = revoke(true);
                plain[i] = revoke(false);
            } else {
                plain[i] = revoke(false);
                closing[i] = revoke(true);
            }
        }
        Arrays.sort(closing);
        Arrays.sort(plain);
        return new Result(closing[ROUNDS / 2], plain[ROUNDS / 2]);
    }

    /** Builds a world (untimed) and times its revoke, in microseconds. */
    private static double revoke(boolean vmClose) {
        World world = new World(16, vmClose);
        RevocableObject object = world.object("close0", null, null);
        Inode inode = world.wrappedInode(object);
        for (int p = 0; p < PROCESSES; p++) {
            Process proc = world.kernel.newProcess(0);
            OpenFile f = World.open(proc, inode);
            for (int i = 0; i < VMAS / PROCESSES; i++) {
                Vma v = World.mmap(proc, f, 1, i % 16);
                world.populate(v);
            }
        }
        System.gc();
        long t0 = CPU.getCurrentThreadCpuTime();
        RevocableObject.RevokeOutcome o = object.revoke("bench");
        long t1 = CPU.getCurrentThreadCpuTime();
        if (o.vmas() != VMAS || o.ptes() != VMAS || o.released() != PROCESSES
                || world.driver.vmCloses() != (vmClose ? VMAS : 0)) {
            throw new IllegalStateException("revoke did " + o + ", closes " + world.driver.vmCloses());
        }
        return (t1 - t0) / 1e3;
    }

    /** {@code java -cp revoke-bench.jar io.revokefs.bench.PairedVmClose}: prints the pair and the ratio. */
    public static void main(String[] args) {
        Result r = run();
        System.out.printf(java.util.Locale.ROOT, "revoke of %d VMAs across %d processes: closing driver %.0f us CPU, without close %.0f us CPU, ratio %.2f x (bound 2 x)%n",
                VMAS, PROCESSES, r.closingMicros(), r.plainMicros(), r.ratio());
    }
}
