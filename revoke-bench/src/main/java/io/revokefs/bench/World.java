package io.revokefs.bench;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.ObjectBuilder;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.Inode;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;

import java.util.function.Supplier;

/**
 * A simulated kernel for one measurement, recording nothing ({@link EventRecorder#discarding()}) so
 * event storage is not measured, with one MMIO device of {@code pages} pages. It can expose the
 * device twice: through a {@link RevocableObject} (the wrapped operations) and directly (the
 * driver's own operations), so a benchmark can compare the two on identical work.
 */
final class World {
    static final long BASE_PFN = 0x100000;

    final Kernel kernel = new Kernel(EventRecorder.discarding());
    final BenchDriver driver;

    World(long pages) {
        this(pages, false);
    }

    /** With {@code vmClose}, the device's vm_ops has a {@code ->close} (see {@link BenchDriver}). */
    World(long pages, boolean vmClose) {
        this.driver = new BenchDriver(BASE_PFN, vmClose);
        kernel.physicalMemory().addMmio(BASE_PFN, pages, "bench0");
    }

    /** Registers a revocable object for the device; {@code zap} may name a range of a shared mapping. */
    RevocableObject object(String id, AddressSpace mapping, Supplier<RevocableObject.ZapRange> zap) {
        ObjectBuilder b = RevocableObject.builder(kernel, id, "bench").operations(driver).errnos(ErrnoTable.KERNFS);
        if (mapping != null) {
            b.mapping(mapping);
        }
        if (zap != null) {
            b.zapRange(zap);
        }
        return b.register();
    }

    /** An inode whose {@code i_fop} is the object's wrapped operations. */
    Inode wrappedInode(RevocableObject o) {
        return kernel.newInode("/dev/" + o.id(), 0600, 0, o.fileOperations(), o.mapping(), null);
    }

    /** An inode whose {@code i_fop} is the driver itself: no guard, no wrapper. */
    Inode plainInode(String name, AddressSpace mapping) {
        return kernel.newInode("/dev/" + name, 0600, 0, driver, mapping, null);
    }

    static OpenFile open(Process p, Inode inode) {
        return p.open(inode, false).value();
    }

    static Vma mmap(Process p, OpenFile f, long pages, long pgoff) {
        return p.mmap(f, pages, pgoff, true).value();
    }

    /**
     * Maps {@code count} one-page VMAs of {@code inode} at the file pages {@code pgoffOf(i)}, spread
     * over 100 processes as unrelated users of one mapping would be.
     */
    void mapOthers(Inode inode, int count, java.util.function.IntToLongFunction pgoffOf) {
        int perProcess = Math.max(1, count / 100);
        Process p = null;
        OpenFile f = null;
        for (int i = 0; i < count; i++) {
            if (i % perProcess == 0) {
                p = kernel.newProcess(0);
                f = open(p, inode);
            }
            mmap(p, f, 1, pgoffOf.applyAsLong(i));
        }
    }

    /** Installs every PTE of {@code vma} ({@code remap_pfn_range}) as the fault handler would. */
    void populate(Vma vma) {
        vma.mm().remapPfnRange(vma, 0, BASE_PFN + vma.pgoff(), vma.pages());
    }
}
