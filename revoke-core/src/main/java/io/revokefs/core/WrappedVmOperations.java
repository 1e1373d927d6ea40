package io.revokefs.core;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.FaultResult;

import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.MemPolicy;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.Vma;

/**
 * The wrapped {@code vm_ops} of the mappings of one open file of a {@link RevocableObject}:
 * {@code kernfs_vm_ops} of fs/kernfs/file.c, every operation it has, with its answers. Each
 * operation that reaches the driver enters one of the object's guards, calls the driver's vm
 * operation and exits:
 * <ul>
 *   <li>{@code entries} for fault and eager population ({@link #mapped}), which install PTEs and
 *       are events in the log: a revoke either waits for them or prevents them, so its zap finds
 *       every PTE they install;</li>
 *   <li>{@code ops} for open, page_mkwrite, access, set_policy / get_policy, may_split and mremap
 *       (access and page_mkwrite may sleep in the driver).</li>
 * </ul>
 * After revoke (kernfs's answer when {@code kernfs_get_active} fails, the function named):
 * <ul>
 *   <li>fault: SIGBUS ({@code kernfs_vma_fault});</li>
 *   <li>page_mkwrite: SIGBUS ({@code kernfs_vma_page_mkwrite}); before revoke the driver's
 *       page_mkwrite, or {@code file_update_time} when it has none;</li>
 *   <li>access: the object's errno, EINVAL for every adapter ({@code kernfs_vma_access}); the
 *       ptrace or /proc/pid/mem system call then fails with EIO ({@code generic_ptrace_peekdata},
 *       {@code mem_rw});</li>
 *   <li>set_policy: EINVAL; get_policy: the VMA's own {@code vm_policy}
 *       ({@code kernfs_vma_set_policy}, {@code kernfs_vma_get_policy}, as kernels before Hugh
 *       Dickins' "kernfs: drop shared NUMA mempolicy hooks" (2023) had them; current
 *       {@code kernfs_vm_ops} has neither, so there {@code mbind} never reaches the driver and
 *       succeeds after removal too: docs/linux.md);</li>
 *   <li>open: nothing ({@code kernfs_vma_open});</li>
 *   <li>may_split and mremap: {@code kernfs_vm_ops} has neither, so Linux never calls the driver's
 *       (before revoke either: a kernfs driver's may_split and mremap are dropped). The library calls
 *       them inside the guard while the object lives, and once it is revoked answers as a VMA
 *       without them does: the split or the move goes ahead (ok), without the driver.</li>
 * </ul>
 * close is not wrapped: a driver with one is refused at mmap ({@code kernfs_fop_mmap}).
 */
final class WrappedVmOperations implements VmOperations {
    private final RevocableObject o;
    /** The driver's vm_ops (null: the driver's mmap set none). */
    final VmOperations driverVm;
    // The pieces that reached the driver (the first mmap, each split piece and fork copy whose
    // ->open ran) and have not had their ->close yet, only for a driver with close, are marked on
    // the VMA itself (Vma.markCloseOwed); taking the mark is the right to close the piece: exactly
    // one caller wins (docs/semantics.md section 9).

    WrappedVmOperations(RevocableObject owner, VmOperations driverVm) {
        this.o = owner;
        this.driverVm = driverVm;
    }

    RevocableObject owner() {
        return o;
    }

    /** {@code vma} reached the driver (its mmap or its {@code ->open} ran): it is owed one close. */
    void reached(Vma vma) {
        if (driverVm != null && driverVm.hasClose() && vma.markCloseOwed()) {
            Interleave.touchAdd(o.key);
            o.openPieces.incrementAndGet();
        }
    }

    /** Whether {@code vma} reached the driver and has not been closed. */
    boolean isOpen(Vma vma) {
        return vma.isCloseOwed();
    }

    /**
     * Runs the driver's {@code ->close} of {@code vma} if it is still owed one, and records
     * {@code VmaClosed}; false if it was closed already (or never reached the driver).
     */
    boolean closeOnce(Vma vma, RevokeEvent.VmaClosed.Cause cause) {
        if (!vma.takeClose()) {
            return false;
        }
        closeUnchecked(vma, cause);
        return true;
    }

    /** The driver's close and its event, without the once check (the planted bug of the close step uses it alone). */
    void closeUnchecked(Vma vma, RevokeEvent.VmaClosed.Cause cause) {
        driverVm.close(vma);
        o.record(new RevokeEvent.VmaClosed(o.id(), vma.id(), vma.pgoff(), vma.pages(), cause));
        // Last: the revoke's close step waits for no piece owed before RevokeCompleted, so a munmap's
        // close must be done, and logged, by then.
        Interleave.touchAdd(o.key);
        o.openPieces.decrementAndGet();
    }

    /** A piece of a split or a copy made by fork ({@code kernfs_vma_open}). */
    @Override
    public void open(Vma vma) {
        if (vma.forkOrigin() != null) {
            o.record(new RevokeEvent.VmaDuplicated(o.id(), vma.id(), vma.forkOrigin(), vma.mm().owner().pid(),
                    vma.mm().populatedPagesOf(vma.id())));
        }
        if (driverVm == null) {
            return;
        }
        int t = o.ops.tryEnter();
        if (t < 0) {
            // kernfs_vma_open: nothing to do once revoked. For a driver with close, the log says so:
            // this piece never reached the driver and is owed no close (the auditor's CLOSE_ONCE).
            if (driverVm.hasClose()) {
                o.record(new RevokeEvent.AccessRefused(o.id(), RevokeEvent.AccessRefused.OPEN,
                        RevokeEvent.AccessRefused.NONE, null, vma.id()));
            }
            return;
        }
        try {
            driverVm.open(vma);
            reached(vma);
        } finally {
            o.ops.exit(t);
        }
    }

    /**
     * munmap, exit or the unmapped part of an mremap removes {@code vma} (with its {@code mmap_lock}
     * held for writing): the driver's close runs if the piece is still owed one, that is unless the
     * object's revoke closed it first. Unguarded, as release is: it must run after revoke too, and
     * then finds nothing owed.
     */
    @Override
    public void close(Vma vma) {
        if (driverVm != null && driverVm.hasClose()) {
            closeOnce(vma, RevokeEvent.VmaClosed.Cause.UNMAP);
        }
        o.record(new RevokeEvent.VmaUnmapped(o.id(), vma.id(), vma.pgoff(), vma.pages()));
    }

    @Override
    public FaultResult fault(VmFault vmf) {
        if (driverVm == null) {
            return FaultResult.SIGBUS;
        }
        int t = o.entries.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.AccessRefused(o.id(), "fault", Signal.SIGBUS.name(), null, vmf.vma().id()));
            return FaultResult.SIGBUS;
        }
        try {
            FaultResult r = driverVm.fault(vmf);
            if (r == FaultResult.NOPAGE) {
                recordPopulated(vmf.vma(), (vmf.address() - vmf.vma().start()) / Kernel.PAGE_SIZE, 1, null);
            } else if (r == FaultResult.SIGBUS) { // the driver's own check refused the page
                o.record(new RevokeEvent.AccessRefused(o.id(), "fault", Signal.SIGBUS.name(), null, vmf.vma().id(),
                        RevokeEvent.AccessRefused.DRIVER, null));
            }
            return r;
        } finally {
            o.entries.exit(t);
        }
    }

    /** {@code kernfs_vm_ops} always has {@code ->page_mkwrite}: shared writable mappings get write-notify. */
    @Override
    public boolean hasPageMkwrite() {
        return true;
    }

    /**
     * {@code kernfs_vma_page_mkwrite}: SIGBUS without vm_ops or once revoked; otherwise the driver's
     * {@code ->page_mkwrite}, or {@code file_update_time} of the file when it has none.
     */
    @Override
    public FaultResult pageMkwrite(VmFault vmf) {
        if (driverVm == null) {
            return FaultResult.SIGBUS;
        }
        int t = o.ops.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.AccessRefused(o.id(), "page_mkwrite", Signal.SIGBUS.name(), null, vmf.vma().id()));
            return FaultResult.SIGBUS;
        }
        try {
            if (driverVm.hasPageMkwrite()) {
                return driverVm.pageMkwrite(vmf);
            }
            vmf.vma().file().inode().fileUpdateTime();
            return FaultResult.OK;
        } finally {
            o.ops.exit(t);
        }
    }

    /** {@code kernfs_vma_access}: EINVAL without vm_ops, without a driver {@code ->access}, or once revoked. */
    @Override
    public Result<Long> access(Vma vma, long addr, long value, boolean write) {
        if (driverVm == null) {
            return Result.err(Errno.EINVAL);
        }
        int t = o.ops.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.AccessRefused(o.id(), "access", o.errnos.access().name(), null, vma.id()));
            return Result.err(o.errnos.access());
        }
        try {
            return driverVm.access(vma, addr, value, write);
        } finally {
            o.ops.exit(t);
        }
    }

    /** {@code kernfs_vma_set_policy}: ok without vm_ops, EINVAL once revoked, else the driver's (ok without one). */
    @Override
    public Result<Void> setPolicy(Vma vma, MemPolicy policy) {
        if (driverVm == null) {
            return Result.ok();
        }
        int t = o.ops.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.AccessRefused(o.id(), "set_policy", Errno.EINVAL.name(), null, vma.id()));
            return Result.err(Errno.EINVAL);
        }
        try {
            return driverVm.setPolicy(vma, policy);
        } finally {
            o.ops.exit(t);
        }
    }

    /** {@code kernfs_vma_get_policy}: the VMA's {@code vm_policy} without vm_ops or once revoked, else the driver's. */
    @Override
    public MemPolicy getPolicy(Vma vma, long addr) {
        return driverVm == null ? vma.policy() : whileLive(vma.policy(), () -> driverVm.getPolicy(vma, addr));
    }

    /** The driver's {@code ->may_split} while the object lives; once revoked the split goes ahead (see the class comment). */
    @Override
    public Result<Void> maySplit(Vma vma, long addr) {
        return driverVm == null ? Result.ok() : whileLive(Result.ok(), () -> driverVm.maySplit(vma, addr));
    }

    /** The driver's {@code ->mremap} while the object lives; once revoked the move goes ahead (see the class comment). */
    @Override
    public Result<Void> mremap(Vma vma) {
        return driverVm == null ? Result.ok() : whileLive(Result.ok(), () -> driverVm.mremap(vma));
    }

    /** {@code call} inside the {@code ops} guard, or {@code whenRevoked} (nothing recorded) once it is deactivated. */
    private <T> T whileLive(T whenRevoked, java.util.function.Supplier<T> call) {
        int t = o.ops.tryEnter();
        if (t < 0) {
            return whenRevoked;
        }
        try {
            return call.get();
        } finally {
            o.ops.exit(t);
        }
    }

    /** Eager population after link, inside the guard: a revoke either waits for it or prevents it. */
    @Override
    public long mapped(Vma vma) {
        if (driverVm == null) {
            return 0;
        }
        if (driverVm.hasClose()) {
            Interleave.touchAdd(o.key);
            o.linkedPieces.incrementAndGet(); // linked: the close step's walk can find it now
        }
        int t = o.entries.tryEnter();
        if (t < 0) {
            return 0;
        }
        try {
            long n = driverVm.mapped(vma);
            if (n > 0) {
                recordPopulated(vma, 0, vma.pages(), RevokeEvent.Faulted.POPULATE);
            }
            return n;
        } finally {
            o.entries.exit(t);
        }
    }

    /**
     * Records a {@code Faulted} for each page of {@code [first, first + count)} of {@code vma} that has
     * a PTE, holding the VMA's page table lock while it checks and records. A zap takes that lock too,
     * so the log orders the two as they happened: a PTE a zap (a vfio-style disable racing the fault)
     * removed before it was recorded is not recorded at all, and one recorded is before the
     * {@code MappingsZapped} of any zap that removes it. Without the lock a fault's {@code Faulted}
     * could follow the zap that undid it, and a replay would show a page the live state does not have.
     */
    private void recordPopulated(Vma vma, long first, long count, String by) {
        var ptl = vma.mm().pageTable().lock();
        ptl.writeLock();
        try {
            for (long i = first; i < first + count; i++) {
                if (vma.mm().isPopulated(vma, i)) { // re-takes the (reentrant) page table lock
                    o.record(new RevokeEvent.Faulted(o.id(), vma.id(), vma.pgoff() + i, by));
                }
            }
        } finally {
            ptl.writeUnlock();
        }
    }
}
