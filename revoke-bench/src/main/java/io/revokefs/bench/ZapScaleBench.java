package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.Inode;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Target 3, first half: the zap step of revoke for an object whose range of a shared mapping (as
 * every view of iomem shares one) is mapped by 16 VMAs, one page each, while the same mapping holds
 * {@link #others} further VMAs over other file pages, below and above the object's range. With an
 * interval tree the zap visits only the 16; a list would visit all.
 *
 * <p>Only the zap ({@code unmap_mapping_range} of the object's {@link RevocableObject.ZapRange}) is
 * timed; the 16 PTEs are put back before each invocation ({@link Level#Invocation}: the zap takes
 * microseconds, well above the timer's resolution).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class ZapScaleBench {
    static final long OBJECT_FIRST = 50_000;
    static final int OBJECT_VMAS = 16;

    @Param({"0", "100000"})
    public int others;

    private World world;
    private RevocableObject.ZapRange range;
    private final List<Vma> objectVmas = new ArrayList<>();

    @Setup(Level.Trial)
    public void setup() {
        world = new World(1);
        AddressSpace shared = world.kernel.newAddressSpace("shared");
        range = new RevocableObject.ZapRange(shared, OBJECT_FIRST, OBJECT_VMAS);
        RevocableObject object = world.object("zap0", shared, () -> range);
        Process user = world.kernel.newProcess(0);
        OpenFile f = World.open(user, world.wrappedInode(object));
        for (int i = 0; i < OBJECT_VMAS; i++) {
            objectVmas.add(World.mmap(user, f, 1, OBJECT_FIRST + i));
        }
        // The other VMAs: one page each, half below the object's range and half above it, spread
        // over 100 processes as unrelated users of the same mapping would be.
        Inode plain = world.plainInode("others", shared);
        world.mapOthers(plain, others, i -> i < others / 2 ? i % OBJECT_FIRST : OBJECT_FIRST + OBJECT_VMAS + i);
        if (shared.vmaCount() != OBJECT_VMAS + others) {
            throw new IllegalStateException("setup: " + shared.vmaCount() + " VMAs in the mapping");
        }
        System.gc(); // the setup's garbage is not collected inside the measurement
    }

    @Setup(Level.Invocation)
    public void repopulate() {
        for (Vma v : objectVmas) {
            world.populate(v);
        }
    }

    @Benchmark
    public long zapObject() {
        AddressSpace.ZapCount z = range.mapping().unmapMappingRange(range.first(), range.count());
        if (z.ptes() != OBJECT_VMAS || z.vmas() != OBJECT_VMAS) {
            throw new IllegalStateException("zap visited " + z);
        }
        return z.ptes();
    }
}
