package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * REVOKE_ORDER findings say where in the revoke the misplaced event came (the sentence the command
 * line prints), and a revoke that never completes names the step its log ends after. A second
 * {@code RevokeCompleted} is checked against its own revoke's zaps, none, not the last one's. Found by
 * mutation testing (issue 18 point 12): these messages replaced by empty strings, and the zaps kept
 * past their revoke, passed every test.
 */
class AuditorRevokeOrderMessagesTest {
    private static final String O = "uio:/dev/uio5";

    private static List<Finding> audit(List<RevokeEvent> log) {
        return Auditor.audit(Logs.numbered(log));
    }

    private static List<RevokeEvent> upTo(int events) {
        return new ArrayList<>(List.of(
                new ObjectRegistered(O, "uio"),                  // 1
                new FileOpened(O, "file-1", 7),                  // 2
                new Mmapped(O, "file-1", "vma-1", 7, 0, 2, "uio5", 0), // 3
                new RevokeStarted(O, "unregister"),              // 4
                new RevokeDrained(O, 0),                         // 5
                new MappingsZapped(O, 1, 0, "uio5", 0, 2),       // 6
                new FileReleased(O, "file-1", ReleaseCause.REVOKE), // 7
                new RevokeCompleted(O)).subList(0, events));     // 8
    }

    @Test
    void aRevokeThatNeverCompletesNamesTheStepItsLogEndsAfter() {
        assertThat(audit(upTo(4))).extracting(Finding::message)
                .containsExactly("the revoke started at seq 4 never completed (the log ends after RevokeStarted)");
        assertThat(audit(upTo(5))).extracting(Finding::message)
                .containsExactly("the revoke started at seq 4 never completed (the log ends after RevokeDrained)");
        assertThat(audit(upTo(6))).extracting(Finding::message)
                .containsExactly("the revoke started at seq 4 never completed (the log ends after MappingsZapped)");
    }

    @Test
    void aMisplacedStepSaysWhereInTheRevokeItCame() {
        List<RevokeEvent> early = upTo(4);
        early.add(new RevokeCompleted(O)); // 5: before RevokeDrained
        assertThat(audit(early)).extracting(Finding::invariant, Finding::seq, Finding::message).contains(
                tuple(Invariant.REVOKE_ORDER, 5L, "RevokeCompleted before RevokeDrained in the revoke started at seq 4"));

        List<RevokeEvent> twice = upTo(6);
        twice.add(new RevokeDrained(O, 0)); // 7: after the zap
        assertThat(audit(twice)).extracting(Finding::seq, Finding::message)
                .contains(tuple(7L, "RevokeDrained after MappingsZapped in the revoke started at seq 4"));

        List<RevokeEvent> after = upTo(8);
        after.add(new RevokeDrained(O, 0)); // 9: after the revoke completed
        assertThat(audit(after)).extracting(Finding::seq, Finding::message)
                .containsExactly(tuple(9L, "RevokeDrained after the revoke already completed at seq 8"));
    }

    @Test
    void aSecondRevokeCompletedIsNotCoveredByTheZapsOfTheRevokeBefore() {
        List<RevokeEvent> log = upTo(8);
        log.add(new Mmapped(O, "file-1", "vma-2", 7, 0, 2, "uio5", 0)); // 9: an entry after the revoke
        log.add(new RevokeCompleted(O));                                 // 10
        assertThat(audit(log)).extracting(Finding::invariant, Finding::seq, Finding::message).containsExactly(
                tuple(Invariant.NO_ENTRY_AFTER_REVOKE, 9L, "Mmapped of vma-2 after the RevokeStarted at seq 4"),
                tuple(Invariant.REVOKE_ORDER, 10L, "RevokeCompleted after the revoke already completed at seq 8"),
                tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, 10L,
                        "vma-1 (pid 7) still maps [0x0, 0x2) of uio5 and no MappingsZapped of this revoke covered it"),
                tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, 10L,
                        "vma-2 (pid 7) still maps [0x0, 0x2) of uio5 and no MappingsZapped of this revoke covered it"));
    }
}
