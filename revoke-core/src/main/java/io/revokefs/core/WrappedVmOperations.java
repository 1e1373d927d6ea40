package io.revokefs.core;

import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.kernel.VmFault;
import io.revokefs.core.kernel.VmOperations;
import io.revokefs.core.kernel.Vma;

/**
 * The wrapped {@code vm_ops} of the mappings of one open file of a {@link RevocableObject}:
 * {@code kernfs_vm_ops} of fs/kernfs/file.c. Each operation that reaches the driver enters one of
 * the object's guards, calls the driver's vm operation and exits:
 * <ul>
 *   <li>{@code entries} for fault and eager population ({@link #mapped}), which install PTEs and
 *       are events in the log: a revoke either waits for them or prevents them, so its zap finds
 *       every PTE they install;</li>
 *   <li>{@code ops} for open and access (access may sleep in the driver).</li>
 * </ul>
 * After revoke: a fault raises SIGBUS, access fails with the object's errno, open does nothing
 * ({@code kernfs_vma_open}).
 */
final class WrappedVmOperations implements VmOperations {
    private final RevocableObject o;
    /** The driver's vm_ops (null: the driver's mmap set none). */
    final VmOperations driverVm;
    /**
     * The pieces that reached the driver (the first mmap, each split piece and fork copy whose
     * {@code ->open} ran) and have not had their {@code ->close} yet; only for a driver with close.
     * Removing a piece from it is the right to close it: exactly one caller wins (SEMANTICS 9).
     */
    private final java.util.Set<Vma> open = java.util.Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());

    WrappedVmOperations(RevocableObject owner, VmOperations driverVm) {
        this.o = owner;
        this.driverVm = driverVm;
    }

    RevocableObject owner() {
        return o;
    }

    /** {@code vma} reached the driver (its mmap or its {@code ->open} ran): it is owed one close. */
    void reached(Vma vma) {
        if (driverVm != null && driverVm.hasClose() && open.add(vma)) {
            o.openPieces.incrementAndGet();
        }
    }

    /** Whether {@code vma} reached the driver and has not been closed. */
    boolean isOpen(Vma vma) {
        return open.contains(vma);
    }

    /**
     * Runs the driver's {@code ->close} of {@code vma} if it is still owed one, and records
     * {@code VmaClosed}; false if it was closed already (or never reached the driver).
     */
    boolean closeOnce(Vma vma, RevokeEvent.VmaClosed.Cause cause) {
        if (!open.remove(vma)) {
            return false;
        }
        closeUnchecked(vma, cause);
        return true;
    }

    /** The driver's close and its event, without the once check (the planted bug of the close step uses it alone). */
    void closeUnchecked(Vma vma, RevokeEvent.VmaClosed.Cause cause) {
        o.openPieces.decrementAndGet();
        driverVm.close(vma);
        o.record(new RevokeEvent.VmaClosed(o.id(), vma.id(), vma.pgoff(), vma.pages(), cause));
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
            return; // kernfs_vma_open: nothing to do once revoked
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
                o.record(new RevokeEvent.Faulted(o.id(), vmf.vma().id(), vmf.pgoff()));
            } else if (r == FaultResult.SIGBUS) { // the driver's own check refused the page
                o.record(new RevokeEvent.AccessRefused(o.id(), "fault", Signal.SIGBUS.name(), null, vmf.vma().id(),
                        RevokeEvent.AccessRefused.DRIVER, null));
            }
            return r;
        } finally {
            o.entries.exit(t);
        }
    }

    @Override
    public Result<Long> access(Vma vma, long addr, long value, boolean write) {
        int t = o.ops.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.AccessRefused(o.id(), "access", o.errnos.access().name(), null, vma.id()));
            return Result.err(o.errnos.access());
        }
        try {
            return driverVm == null ? Result.err(Errno.EINVAL) : driverVm.access(vma, addr, value, write);
        } finally {
            o.ops.exit(t);
        }
    }

    @Override
    public Result<Void> maySplit(Vma vma, long addr) {
        return driverVm == null ? Result.ok() : driverVm.maySplit(vma, addr);
    }

    @Override
    public Result<Void> mremap(Vma vma) {
        return driverVm == null ? Result.ok() : driverVm.mremap(vma);
    }

    /** Eager population after link, inside the guard: a revoke either waits for it or prevents it. */
    @Override
    public long mapped(Vma vma) {
        if (driverVm == null) {
            return 0;
        }
        int t = o.entries.tryEnter();
        if (t < 0) {
            return 0;
        }
        try {
            long n = driverVm.mapped(vma);
            if (n > 0) {
                for (long i = 0; i < vma.pages(); i++) {
                    if (vma.mm().isPopulated(vma, i)) {
                        o.record(new RevokeEvent.Faulted(o.id(), vma.id(), vma.pgoff() + i, RevokeEvent.Faulted.POPULATE));
                    }
                }
            }
            return n;
        } finally {
            o.entries.exit(t);
        }
    }
}
