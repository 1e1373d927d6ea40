package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * KNOWN_REFERENCES for the ids an open, an mmap and a fork introduce (the simulation never reuses one
 * within a run), and for a VMA of another object; the streaming entry point and the event count the
 * command line reports. Found by mutation testing (issue 18 point 12): the checks of FileOpened,
 * Mmapped and VmaDuplicated removed, the "belongs to" of a VMA, {@code audit(Stream)} and
 * {@code eventCount} passed every test.
 */
class AuditorIdReuseTest {
    private static final String O = "uio:/dev/uio6";
    private static final String OTHER = "uio:/dev/uio7";

    private static List<Finding> audit(RevokeEvent... log) {
        return Auditor.audit(Logs.numbered(List.of(log)));
    }

    private static final RevokeEvent[] OPEN_AND_MAP = {
        new ObjectRegistered(O, "uio"), new FileOpened(O, "file-1", 7), new Mmapped(O, "file-1", "vma-1", 7, 0, 1, "uio6", 0)};

    private static RevokeEvent[] then(RevokeEvent... more) {
        return Stream.concat(Stream.of(OPEN_AND_MAP), Stream.of(more)).toArray(RevokeEvent[]::new);
    }

    @Test
    void anOpenReusingAnOpenFilesIdIsFound() {
        assertThat(audit(then(new FileOpened(O, "file-1", 8)))).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 4L, "file id file-1 is introduced again while in use"));
    }

    @Test
    void anOpenReusingAClosedFilesIdIsFound() {
        assertThat(audit(then(new VmaUnmapped(O, "vma-1", 0, 1), new FileReleased(O, "file-1", ReleaseCause.CLOSE),
                new FileClosed(O, "file-1"), new FileOpened(O, "file-1", 8))))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 7L, "file id file-1 is introduced again; it was closed at seq 6"));
    }

    @Test
    void anMmapOrAForkReusingALiveVmaIdIsFound() {
        assertThat(audit(then(new Mmapped(O, "file-1", "vma-1", 7, 0, 1, "uio6", 0))))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 4L, "vma id vma-1 is introduced again while in use"));
        assertThat(audit(then(new VmaDuplicated(O, "vma-1", "vma-1", 8, 0))))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 4L, "vma id vma-1 is introduced again while in use"));
    }

    @Test
    void aFaultOnAnotherObjectsVmaIsFound() {
        assertThat(audit(then(new ObjectRegistered(OTHER, "uio"), new Faulted(OTHER, "vma-1", 0))))
                .extracting(Finding::invariant, Finding::seq, Finding::object, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 5L, OTHER, "vma-1 belongs to " + O));
    }

    @Test
    void theStreamingAuditFindsWhatTheListAuditFindsAndCountsTheEvents() {
        // A reused id, found as it comes, and a revoke that never completes, found at the end.
        List<io.revokefs.core.event.RecordedEvent> log = Logs.numbered(List.of(then(new FileOpened(O, "file-1", 8),
                new RevokeStarted(O, "unregister"))));
        assertThat(Auditor.audit(log.stream())).isEqualTo(Auditor.audit(log))
                .extracting(Finding::invariant).containsExactly(Invariant.KNOWN_REFERENCES, Invariant.REVOKE_ORDER);
        Auditor auditor = new Auditor(f -> { });
        log.forEach(auditor::accept);
        assertThat(auditor.eventCount()).isEqualTo(5);
    }
}
