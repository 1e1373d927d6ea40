package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import io.revokefs.kernel.Errno;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * KNOWN_REFERENCES for the ids a refusal declares: a refused open's file id and a refused mmap's VMA
 * id are the ids the open or the mmap would have had (docs/events.md), so they are new ids like any
 * other, and the simulation never reuses one within a run. A refusal naming an id in use, or one
 * already retired, is a log that reuses ids. Found by mutation testing (issue 18 point 12): the
 * {@code checkFresh} calls of {@code OpenRefused} and {@code MmapRefused} removed passed every test.
 */
class AuditorRefusedIdsTest {
    private static final String O = "uio:/dev/uio3";

    private static List<Finding> audit(RevokeEvent... log) {
        return Auditor.audit(Logs.numbered(List.of(log)));
    }

    @Test
    void aRefusedOpenNamingTheIdOfAnOpenFileIsFound() {
        assertThat(audit(new ObjectRegistered(O, "uio"), new FileOpened(O, "file-1", 7),
                new OpenRefused(O, "file-1", 8, Errno.EACCES)))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 3L, "file id file-1 is introduced again while in use"));
    }

    @Test
    void aRefusedOpenNamingAClosedFilesIdIsFound() {
        assertThat(audit(new ObjectRegistered(O, "uio"), new FileOpened(O, "file-1", 7),
                new FileReleased(O, "file-1", ReleaseCause.CLOSE), new FileClosed(O, "file-1"),
                new OpenRefused(O, "file-1", 8, Errno.EACCES)))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 5L,
                        "file id file-1 is introduced again; it was closed at seq 4"));
    }

    @Test
    void twoRefusedOpensWithOneIdAreFound() {
        assertThat(audit(new ObjectRegistered(O, "uio"), new OpenRefused(O, "file-2", 7, Errno.EACCES),
                new OpenRefused(O, "file-2", 8, Errno.ENODEV)))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 3L,
                        "file id file-2 is introduced again; it was refused at seq 2"));
    }

    @Test
    void aRefusedMmapNamingALiveVmaIdIsFound() {
        assertThat(audit(new ObjectRegistered(O, "uio"), new FileOpened(O, "file-1", 7),
                new Mmapped(O, "file-1", "vma-1", 7, 0, 1, "uio3", 0),
                new MmapRefused(O, "file-1", "vma-1", 7, 0, 1, Errno.EINVAL, "the driver's mmap failed")))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 4L, "vma id vma-1 is introduced again while in use"));
    }

    @Test
    void aRefusedMmapNamingAnIdARefusedMmapDeclaredIsFound() {
        assertThat(audit(new ObjectRegistered(O, "uio"), new FileOpened(O, "file-1", 7),
                new MmapRefused(O, "file-1", "vma-5", 7, 0, 1, Errno.EINVAL, "revoked"),
                new MmapRefused(O, "file-1", "vma-5", 7, 0, 1, Errno.EINVAL, "revoked")))
                .extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, 4L,
                        "vma id vma-5 is introduced again; it was declared by a refused mmap at seq 3"));
    }

    @Test
    void refusalsWithFreshIdsAreClean() {
        assertThat(audit(new ObjectRegistered(O, "uio"), new OpenRefused(O, "file-1", 7, Errno.EACCES),
                new FileOpened(O, "file-2", 7), new MmapRefused(O, "file-2", "vma-1", 7, 0, 1, Errno.EINVAL, "revoked"),
                new FileReleased(O, "file-2", ReleaseCause.CLOSE), new FileClosed(O, "file-2"))).isEmpty();
    }
}
