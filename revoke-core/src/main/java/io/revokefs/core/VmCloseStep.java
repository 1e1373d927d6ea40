package io.revokefs.core;

import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.core.internal.PlantedBugs;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Vma;

import java.util.ArrayList;
import java.util.List;

/**
 * Revoke's close step (docs/semantics.md section 9): after the zap and before the releases, the driver's
 * {@code vm_ops->close} runs once for every piece of the object's VMAs that reached the driver and
 * is still mapped. A piece a munmap, exit or mremap removes first is closed there
 * ({@link WrappedVmOperations#close}); whichever comes first wins the piece
 * ({@link WrappedVmOperations#closeOnce}), so no piece is closed twice, and none after revoke
 * completes (the guard refuses {@code ->open} from deactivation on, so no new piece is owed one).
 *
 * <p>The locking is what kernfs could not do (it refuses such drivers): closing a VMA needs its mm's
 * {@code mmap_lock}, which ranks before {@code i_mmap_rwsem}, and the walk starts from
 * {@code i_mmap}. So, per mm ({@link AddressSpace#forEachVmaPerMm}): collect the mms under
 * {@code i_mmap_rwsem}, drop it, take the mm's {@code mmap_lock}, retake {@code i_mmap_rwsem},
 * re-check which pieces are still linked and still owed a close, drop it, close them under
 * {@code mmap_lock} (as {@code remove_vma} does), release. {@code LockOrder} checks every path.
 */
final class VmCloseStep {
    private VmCloseStep() {
    }

    /** Runs the step over the object's ranges; returns the pieces closed. */
    static int run(RevocableObject o, List<RevocableObject.ZapRange> ranges) {
        Interleave.touch(o.key, false);
        if (ranges == null || o.openPieces.get() == 0) {
            return 0; // no piece of a driver with close is owed one: nothing to walk
        }
        int closed = 0;
        while (true) {
            Interleave.touch(o.key, false);
            long linked = o.linkedPieces.get();
            for (RevocableObject.ZapRange z : ranges) {
                closed += switch (PlantedBugs.vmCloseStep()) {
                    case LOCK_DANCE -> lockDance(o, z);
                    case MMAP_LOCK_UNDER_I_MMAP_RWSEM -> plantedMmapLockUnderIMmapRwsem(o, z);
                    case CLOSE_FROM_ZAP_WITHOUT_RECHECK -> plantedCloseWithoutRecheck(o, z);
                };
            }
            Interleave.touch(o.key, false);
            if (o.openPieces.get() == 0 || PlantedBugs.vmCloseStep() != PlantedBugs.VmCloseStep.LOCK_DANCE) {
                return closed;
            }
            // Still owed, and not in i_mmap when the walk looked: a piece between its ->mmap (which
            // reached the driver before the revoke began) and its link, or between a munmap's or an
            // exit's unlink and its close. Both finish without any lock this step holds (none): wait
            // until a piece is linked (then walk again) or nothing is owed (a close counts only once
            // the driver's close ran and VmaClosed is logged, so none lands after RevokeCompleted).
            // Reading the link count before the walk means a link the walk missed is never waited for.
            Interleave.awaitUntil("vm close: an owed piece in flight",
                    () -> {
                        Interleave.touch(o.key, false);
                        return o.openPieces.get() == 0 || o.linkedPieces.get() != linked;
                    });
            Interleave.touch(o.key, false);
            if (o.openPieces.get() == 0) {
                return closed;
            }
        }
    }

    private static WrappedVmOperations owedBy(RevocableObject o, Vma v) {
        return v.vmOps() instanceof WrappedVmOperations w && w.owner() == o && w.isOpen(v) ? w : null;
    }

    private static int lockDance(RevocableObject o, RevocableObject.ZapRange z) {
        int[] n = {0};
        z.mapping().forEachVmaPerMm(z.first(), z.count(), v -> owedBy(o, v) != null, v -> {
            Interleave.point("vm close", v.id());
            if (((WrappedVmOperations) v.vmOps()).closeOnce(v, RevokeEvent.VmaClosed.Cause.REVOKE)) {
                n[0]++;
            }
        }, () -> {
            Interleave.touch(o.key, false);
            return o.openPieces.get() == 0;
        }, true);
        return n[0];
    }

    /** Planted: each mm's {@code mmap_lock} taken under {@code i_mmap_rwsem}. */
    private static int plantedMmapLockUnderIMmapRwsem(RevocableObject o, RevocableObject.ZapRange z) {
        int n = 0;
        z.mapping().iMmapRwsem().readLock();
        try {
            for (Vma v : z.mapping().vmasOverlapping(z.first(), z.count())) {
                WrappedVmOperations w = owedBy(o, v);
                if (w == null) {
                    continue;
                }
                v.mm().mmapLock().readLock();
                try {
                    if (w.closeOnce(v, RevokeEvent.VmaClosed.Cause.REVOKE)) {
                        n++;
                    }
                } finally {
                    v.mm().mmapLock().readUnlock();
                }
            }
        } finally {
            z.mapping().iMmapRwsem().readUnlock();
        }
        return n;
    }

    /** Planted: the pieces seen at the zap, closed later with no lock and no re-check. */
    private static int plantedCloseWithoutRecheck(RevocableObject o, RevocableObject.ZapRange z) {
        List<Vma> seenAtZap = new ArrayList<>();
        for (Vma v : z.mapping().vmasOverlapping(z.first(), z.count())) {
            if (owedBy(o, v) != null) {
                seenAtZap.add(v);
            }
        }
        for (Vma v : seenAtZap) {
            Interleave.point("vm close", v.id());
            ((WrappedVmOperations) v.vmOps()).closeUnchecked(v, RevokeEvent.VmaClosed.Cause.REVOKE);
        }
        return seenAtZap.size();
    }
}
