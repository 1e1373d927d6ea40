package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Target 2: a load on an unpopulated page, through the fault handler, until the PFN is installed and
 * the load completes: through the revocable wrapper ({@link #faultWrapped}) and with the same
 * driver's vm_ops installed directly ({@link #faultPlain}).
 *
 * <p>Each invocation first removes the page's PTE with {@code unmap_mapping_range} of that one file
 * page, the same call on an identical mapping in both variants. {@link #resetAndInstall} pays that
 * reset and installs the PTE without a fault ({@code remap_pfn_range}); subtracting it from both
 * gives the cost of the fault path itself. Page 1 of each VMA stays populated so the page-table leaf
 * is never freed and reallocated between invocations.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FaultBench {
    private World world;
    private Process proc;
    private AddressSpace wrappedMapping;
    private AddressSpace plainMapping;
    private Vma wrappedVma;
    private Vma plainVma;

    @Setup
    public void setup() {
        world = new World(16);
        proc = world.kernel.newProcess(0);
        RevocableObject object = world.object("fault0", null, null);
        wrappedMapping = object.mapping();
        OpenFile wf = World.open(proc, world.wrappedInode(object));
        wrappedVma = World.mmap(proc, wf, 2, 0);

        plainMapping = world.kernel.newAddressSpace("plain0");
        OpenFile pf = World.open(proc, world.plainInode("plain0", plainMapping));
        plainVma = World.mmap(proc, pf, 2, 0);

        for (Vma v : new Vma[] {wrappedVma, plainVma}) {
            if (!proc.load(v.start() + 4096).isOk() || !proc.load(v.start()).isOk()) {
                throw new IllegalStateException("setup: load through " + v + " failed");
            }
        }
        if (wrappedVma.vmOps() == world.driver.vmOps() || plainVma.vmOps() != world.driver.vmOps()) {
            throw new IllegalStateException("setup: the wrapped VMA must use the wrapper, the plain one the driver's vm_ops");
        }
    }

    @Benchmark
    public MemoryAccess faultWrapped() {
        wrappedMapping.unmapMappingRange(0, 1);
        return proc.load(wrappedVma.start());
    }

    @Benchmark
    public MemoryAccess faultPlain() {
        plainMapping.unmapMappingRange(0, 1);
        return proc.load(plainVma.start());
    }

    /** The reset alone, with the PTE put back without a fault (so the next zap has work too). */
    @Benchmark
    public long resetAndInstall() {
        plainMapping.unmapMappingRange(0, 1);
        return plainVma.mm().remapPfnRange(plainVma, 0, World.BASE_PFN, 1);
    }
}
