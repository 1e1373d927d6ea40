package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Target 3, second half: a whole {@link RevocableObject#revoke} (deactivate, drain, zap, release,
 * complete) of an object mapped by {@link #vmas} VMAs across 100 processes, each with its own open
 * file and every VMA's page populated. A fresh world per iteration (revoke happens once per object);
 * each iteration times one revoke ({@link Mode#SingleShotTime}), and the runner compares medians.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 20)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class RevokeScaleBench {
    static final int PROCESSES = 100;

    @Param({"1000", "10000"})
    public int vmas;

    private RevocableObject object;

    @Setup(Level.Iteration)
    public void freshWorld() {
        object = null;
        System.gc(); // the previous world's garbage is not collected inside the next measurement
        World world = new World(16);
        object = world.object("scale0", null, null);
        Inode inode = world.wrappedInode(object);
        int perProcess = vmas / PROCESSES;
        for (int p = 0; p < PROCESSES; p++) {
            Process proc = world.kernel.newProcess(0);
            OpenFile f = World.open(proc, inode);
            for (int i = 0; i < perProcess; i++) {
                Vma v = World.mmap(proc, f, 1, i % 16);
                world.populate(v);
            }
        }
    }

    @Benchmark
    public RevocableObject.RevokeOutcome revoke() {
        RevocableObject.RevokeOutcome o = object.revoke("bench");
        if (o.vmas() != vmas || o.ptes() != vmas || o.released() != PROCESSES) {
            throw new IllegalStateException("revoke did " + o);
        }
        return o;
    }
}
