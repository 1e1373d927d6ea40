package io.revokefs.core.conformance;

import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.core.internal.PlantedBugs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The suite's close cases are controls, not decorations: with either planted close step of the
 * library ({@link PlantedBugs.VmCloseStep}) they fail on the core's closing test driver, each as
 * JUnit runs it (the case, then the suite's after-each check of the lock order and the log).
 */
class VmCloseControlTest {
    private final ConformanceSuite suite = new ConformanceSuite() {
        @Override
        protected AdapterFixture fixture() {
            return ConformanceTest.core(true);
        }
    };

    @AfterEach
    void removeThePlantedStep() {
        PlantedBugs.plantVmCloseStep(PlantedBugs.VmCloseStep.LOCK_DANCE);
        LockOrder.setChecking(false);
        LockOrder.clearViolations();
    }

    /** Runs {@code c} and asserts that it fails, then that the after-each check fails with {@code finding}. */
    private void failsAndTheCheckFinds(Executable c, String finding) {
        assertThat(catchThrowable(c::execute)).as("the case fails").isInstanceOf(AssertionError.class);
        assertThatThrownBy(suite::logObeysTheSection7Invariants).hasMessageContaining(finding);
    }

    @Test
    void aCloseStepWithoutTheRecheckDoubleClosesInR25AndR27() {
        PlantedBugs.plantVmCloseStep(PlantedBugs.VmCloseStep.CLOSE_FROM_ZAP_WITHOUT_RECHECK);
        // No mmap_lock taken: the munmap (or exit) does not wait, closes the piece, and the step
        // closes it again.
        // (A close of a VMA its munmap already removed: the auditor names the dead VMA.)
        failsAndTheCheckFinds(suite::R25_munmapWaitingForTheCloseStepFindsThePieceClosedByTheRevoke, "is not usable");
        failsAndTheCheckFinds(suite::R27_exitHoldingMmapLockClosesItsVmaAndTheCloseStepSkipsTheDeadMm, "closed a second time");
    }

    @Test
    void aCloseStepTakingMmapLockUnderIMmapRwsemBreaksTheLockOrderInR25() {
        PlantedBugs.plantVmCloseStep(PlantedBugs.VmCloseStep.MMAP_LOCK_UNDER_I_MMAP_RWSEM);
        failsAndTheCheckFinds(suite::R25_munmapHoldingMmapLockClosesThePieceAndTheCloseStepSkipsIt, "lock order violation");
    }
}
