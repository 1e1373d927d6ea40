package io.revokefs.core.internal;

import java.util.Objects;

/**
 * Planted bugs inside the library itself, for the explorer's controls: each is a naive way to do a
 * step that the explorer must catch with a schedule. Internal: set only by tests of revoke-explore
 * and revoke-testing, one exploration at a time per JVM (as {@link io.revokefs.kernel.internal.Interleave}), and reset after.
 * Production never changes them.
 */
public final class PlantedBugs {

    /** How revoke's vm close step (docs/semantics.md section 9) is done. */
    public enum VmCloseStep {
        /** The library's way: per mm, mmap_lock, then i_mmap_rwsem, re-check, close once. */
        LOCK_DANCE,
        /** Planted: walk i_mmap and take each mm's mmap_lock while holding i_mmap_rwsem (lock order; ABBA against munmap). */
        MMAP_LOCK_UNDER_I_MMAP_RWSEM,
        /** Planted: close the pieces the zap step saw, later, without mmap_lock and without re-checking (double close against munmap). */
        CLOSE_FROM_ZAP_WITHOUT_RECHECK
    }

    private static volatile VmCloseStep vmCloseStep = VmCloseStep.LOCK_DANCE;

    private PlantedBugs() {
    }

    public static VmCloseStep vmCloseStep() {
        return vmCloseStep;
    }

    /** Plants {@code step} for every revoke from now on; {@link VmCloseStep#LOCK_DANCE} removes it. */
    public static void plantVmCloseStep(VmCloseStep step) {
        vmCloseStep = Objects.requireNonNull(step, "step");
    }
}
