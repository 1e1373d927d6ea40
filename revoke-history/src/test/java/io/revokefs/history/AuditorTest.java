package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static io.revokefs.history.Logs.IOMEM;
import static io.revokefs.history.Logs.RES0;
import static io.revokefs.history.Logs.UIO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class AuditorTest {

    @Test
    void cleanRunsHaveNoFinding() {
        assertThat(Auditor.audit(Logs.numbered(Logs.cleanRun()))).isEmpty();
        assertThat(Auditor.audit(Logs.numbered(Logs.uioRun()))).isEmpty();
    }

    @Test
    void aZapOutsideARevokeIsNotPartOfTheRevokeOrder() {
        // vfio-style: disable zaps without revoking, enable repopulates; later a real revoke.
        List<RevokeEvent> log = new Log(Logs.uioRun())
                .after(e -> e instanceof Mmapped, new MappingsZapped(UIO, 1, 4, "uio0", 0, 4),
                        new Faulted(UIO, "vma-1", 0))
                .events;
        assertThat(Auditor.audit(Logs.numbered(log))).isEmpty();
    }

    // NO_ENTRY_AFTER_REVOKE

    @Test
    void aFaultAfterRevokeStartedIsFound() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof RevokeDrained, new Faulted(RES0, "vma-1", 0x80));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::object)
                .containsExactly(tuple(Invariant.NO_ENTRY_AFTER_REVOKE, log.seqOfInserted, RES0));
    }

    @Test
    void anOpenAfterRevokeCompletedButBeforeReRegistrationIsFound() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof RevokeCompleted,
                new FileOpened(RES0, "file-7", 100), new FileReleased(RES0, "file-7", ReleaseCause.CLOSE),
                new FileClosed(RES0, "file-7"));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.NO_ENTRY_AFTER_REVOKE, log.seqOfInserted));
    }

    @Test
    void anMmapAfterRevokeStartedIsFound() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof RevokeStarted,
                new Mmapped(RES0, "file-1", "vma-9", 100, 0x80, 1, IOMEM, 0));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .contains(tuple(Invariant.NO_ENTRY_AFTER_REVOKE, log.seqOfInserted));
    }

    // NO_LIVE_MAPPING_AFTER_REVOKE

    @Test
    void aZapThatMissesPagesOfAVmaIsFound() {
        Log log = new Log(Logs.cleanRun()).replace(e -> e instanceof MappingsZapped,
                new MappingsZapped(RES0, 2, 2, IOMEM, 0x80, 2));
        long completed = log.seqOf(e -> e instanceof RevokeCompleted);
        List<Finding> findings = Auditor.audit(log.numbered());
        assertThat(findings).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, completed),
                        tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, completed));
        assertThat(findings.get(0).message()).isEqualTo(
                "vma-1 (pid 100) still maps [0x82, 0x83) of iomem, outside every MappingsZapped of this revoke");
    }

    @Test
    void aZapOfAnotherMappingDoesNotCoverAVma() {
        Log log = new Log(Logs.uioRun()).replace(e -> e instanceof MappingsZapped,
                new MappingsZapped(UIO, 1, 4, "uio1", 0, 4));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, log.seqOf(e -> e instanceof RevokeCompleted)));
    }

    @Test
    void aVmaDuplicatedAfterTheZapIsCoveredByTheZapRange() {
        Log log = new Log(Logs.uioRun()).after(e -> e instanceof MappingsZapped,
                new VmaDuplicated(UIO, "vma-2", "vma-1", 8, 0));
        assertThat(Auditor.audit(log.numbered())).isEmpty();
    }

    @Test
    void aRevokeWithoutAnyZapButWithALiveVmaIsFound() {
        Log log = new Log(Logs.uioRun()).remove(e -> e instanceof MappingsZapped);
        long completed = log.seqOf(e -> e instanceof RevokeCompleted);
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(
                        tuple(Invariant.REVOKE_ORDER, completed,
                                "RevokeCompleted before MappingsZapped in the revoke started at seq 4"),
                        tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, completed,
                                "vma-1 (pid 7) still maps [0x0, 0x4) of uio0 and no MappingsZapped of this revoke covered it"));
    }

    // RELEASE_ONCE

    @Test
    void aSecondReleaseIsFound() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof FileReleased,
                new FileReleased(RES0, "file-1", ReleaseCause.CLOSE));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.RELEASE_ONCE, log.seqOfInserted,
                        "file-1 released a second time (first at seq 17)"));
    }

    @Test
    void anOpenFileNotReleasedByRevokeCompletedIsFound() {
        Log log = new Log(Logs.cleanRun()).remove(e -> e instanceof FileReleased f && f.cause() == ReleaseCause.REVOKE);
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.RELEASE_ONCE, log.seqOf(e -> e instanceof RevokeCompleted)));
    }

    @Test
    void aFileClosedWithoutReleaseIsFound() {
        Log log = new Log(Logs.cleanRun()).remove(e -> e instanceof FileReleased f && f.cause() == ReleaseCause.CLOSE);
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.RELEASE_ONCE,
                        log.seqOf(e -> e instanceof FileClosed c && c.file().equals("file-5"))));
    }

    // REVOKE_ORDER

    @Test
    void aZapBeforeTheDrainIsFound() {
        Log log = new Log(Logs.uioRun()).remove(e -> e instanceof RevokeDrained)
                .after(e -> e instanceof MappingsZapped, new RevokeDrained(UIO, 0));
        List<Finding> findings = Auditor.audit(log.numbered());
        assertThat(findings).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.REVOKE_ORDER, log.seqOf(e -> e instanceof MappingsZapped)),
                        tuple(Invariant.REVOKE_ORDER, log.seqOfInserted));
    }

    @Test
    void aSecondRevokeStartedInOneLifeIsFound() {
        Log log = new Log(Logs.uioRun()).after(e -> e instanceof RevokeDrained, new RevokeStarted(UIO, "again"));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.REVOKE_ORDER, log.seqOfInserted));
    }

    @Test
    void aRevokeThatNeverCompletesIsFoundAtItsStart() {
        Log log = new Log(Logs.uioRun()).remove(e -> e instanceof RevokeCompleted);
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.REVOKE_ORDER, log.seqOf(e -> e instanceof RevokeStarted)));
    }

    @Test
    void aReRegisteredObjectStartsANewLife() {
        List<RevokeEvent> twice = new ArrayList<>(Logs.uioRun());
        twice.addAll(List.of(new ObjectRegistered(UIO, "uio"), new FileOpened(UIO, "file-2", 7),
                new RevokeStarted(UIO, "unregister"), new RevokeDrained(UIO, 0),
                new MappingsZapped(UIO, 0, 0, "uio0", 0, 4), new FileReleased(UIO, "file-2", ReleaseCause.REVOKE),
                new RevokeCompleted(UIO), new FileClosed(UIO, "file-2")));
        assertThat(Auditor.audit(Logs.numbered(twice))).isEmpty();
    }

    // SEQ_CONTIGUOUS

    @Test
    void aGapInSeqIsFound() {
        List<RecordedEvent> events = new ArrayList<>(Logs.numbered(Logs.uioRun()));
        RecordedEvent fifth = events.get(4);
        events.set(4, new RecordedEvent(6, fifth.timeNanos(), fifth.event()));
        List<Finding> findings = Auditor.audit(events);
        assertThat(findings).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.SEQ_CONTIGUOUS, 6L, "seq 6 follows seq 4 (expected 5)"),
                        tuple(Invariant.SEQ_CONTIGUOUS, 6L, "seq 6 follows seq 6 (expected 7)"));
    }

    @Test
    void aLogNotStartingAtOneIsFound() {
        List<RecordedEvent> events = Logs.numbered(Logs.uioRun()).subList(1, 9);
        assertThat(Auditor.audit(events)).extracting(Finding::invariant, Finding::seq, Finding::message)
                .contains(tuple(Invariant.SEQ_CONTIGUOUS, 2L, "the log starts at seq 2, not 1"));
    }

    // KNOWN_REFERENCES

    @Test
    void aFaultOnAVmaNeverMappedIsFound() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof Mmapped, new Faulted(RES0, "vma-77", 0x80));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, log.seqOfInserted, "vma vma-77 was never mapped"));
    }

    @Test
    void aRefusedFileIdIsNotUsable() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof OpenRefused,
                new AccessRefused(RES0, "read", "ENODEV", "file-3", null));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, log.seqOfInserted,
                        "file file-3 is not usable: it was refused at seq 11"));
    }

    @Test
    void aVmaIdDeclaredByARefusedMmapIsNotUsable() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof MmapRefused, new Faulted(RES0, "vma-4", 0x80));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, log.seqOfInserted));
    }

    @Test
    void aDuplicateOfAnUnknownVmaIsFound() {
        Log log = new Log(Logs.cleanRun()).replace(e -> e instanceof VmaDuplicated,
                new VmaDuplicated(RES0, "vma-2", "vma-0", 101, 0));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, log.seqOf(e -> e instanceof VmaDuplicated)));
    }

    @Test
    void aReferenceToAClosedFileIsFound() {
        Log log = new Log(Logs.uioRun()).after(e -> e instanceof FileClosed,
                new AccessRefused(UIO, "read", "EIO", "file-1", null));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, log.seqOfInserted,
                        "file file-1 is not usable: it was closed at seq 9"));
    }

    @Test
    void aFileOfAnotherObjectIsFound() {
        Log log = new Log(Logs.cleanRun()).after(e -> e instanceof Faulted,
                new Mmapped(Logs.MEM, "file-1", "vma-8", 100, 0x80, 1, IOMEM, 0));
        assertThat(Auditor.audit(log.numbered())).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.KNOWN_REFERENCES, log.seqOfInserted, "file-1 belongs to " + RES0));
    }

    /** A log under edit: each edit keeps the seq of the last inserted event. */
    static final class Log {
        final List<RevokeEvent> events;
        long seqOfInserted;

        Log(List<RevokeEvent> events) {
            this.events = new ArrayList<>(events);
        }

        Log after(Predicate<RevokeEvent> first, RevokeEvent... inserted) {
            int i = indexOf(first);
            events.addAll(i + 1, List.of(inserted));
            seqOfInserted = i + 2;
            return this;
        }

        Log replace(Predicate<RevokeEvent> first, RevokeEvent by) {
            events.set(indexOf(first), by);
            return this;
        }

        Log remove(Predicate<RevokeEvent> first) {
            events.remove(indexOf(first));
            return this;
        }

        long seqOf(Predicate<RevokeEvent> first) {
            return indexOf(first) + 1;
        }

        List<RecordedEvent> numbered() {
            return Logs.numbered(events);
        }

        private int indexOf(Predicate<RevokeEvent> p) {
            for (int i = 0; i < events.size(); i++) {
                if (p.test(events.get(i))) {
                    return i;
                }
            }
            throw new AssertionError("no such event in the log");
        }
    }

    // Memory bounded by the live objects (issue 18 point 9)

    @Test
    void theAuditorRetiresObjectsWhoseRevokeCompletedAndThatNothingNames() {
        Auditor auditor = new Auditor(f -> { throw new AssertionError(f.toString()); });
        long seq = 0;
        int objects = 3 * Auditor.RETIRED_MEMORY;
        int maxRetained = 0;
        for (int i = 0; i < objects; i++) {
            for (RevokeEvent e : oneLife("sysfs:/devices/x" + i, i)) {
                auditor.accept(new RecordedEvent(++seq, 0, e));
            }
            maxRetained = Math.max(maxRetained, auditor.retainedEntries());
        }
        auditor.finish();
        // Remembered: the last RETIRED_MEMORY objects with their seqs, and as many retired file and vma ids.
        assertThat(maxRetained).isLessThanOrEqualTo(2 * Auditor.RETIRED_MEMORY + 4);
        assertThat(auditor.forgottenObjects()).isEqualTo(objects - Auditor.RETIRED_MEMORY);
    }

    @Test
    void anEntryAfterARevokeLongForgottenIsStillFound() {
        List<RevokeEvent> log = new ArrayList<>();
        int objects = 2 * Auditor.RETIRED_MEMORY;
        for (int i = 0; i < objects; i++) {
            log.addAll(oneLife("sysfs:/devices/x" + i, i));
        }
        // x0 retired first: only its hash is left. x{objects-1} retired last: its seqs are remembered.
        log.add(new FileOpened("sysfs:/devices/x0", "late-1", 1));
        log.add(new RevokeStarted("sysfs:/devices/x" + (objects - 1), "again"));
        List<Finding> findings = Auditor.audit(Logs.numbered(log));
        assertThat(findings).extracting(Finding::invariant, Finding::seq, Finding::object).containsExactly(
                tuple(Invariant.NO_ENTRY_AFTER_REVOKE, (long) log.size() - 1, "sysfs:/devices/x0"),
                tuple(Invariant.REVOKE_ORDER, (long) log.size(), "sysfs:/devices/x" + (objects - 1)),
                // and at the end: that second revoke never completes
                tuple(Invariant.REVOKE_ORDER, (long) log.size(), "sysfs:/devices/x" + (objects - 1)));
        assertThat(findings.get(0).message()).isEqualTo("FileOpened of late-1 after the RevokeStarted at an earlier seq");
        assertThat(findings.get(1).message()).isEqualTo("RevokeStarted again after the revoke completed at seq "
                + ((objects - 1) * 10 + 8) + " without a new ObjectRegistered");
    }

    @Test
    void anObjectWithAFileStillOpenAfterItsRevokeIsNotRetired() {
        List<RevokeEvent> life = new ArrayList<>(oneLife(RES0, 1));
        RevokeEvent close = life.remove(life.size() - 1); // FileClosed after RevokeCompleted
        Auditor auditor = new Auditor(f -> { throw new AssertionError(f.toString()); });
        long seq = 0;
        for (RevokeEvent e : life) {
            auditor.accept(new RecordedEvent(++seq, 0, e));
        }
        assertThat(auditor.liveObjects()).as("held while its file is open").isEqualTo(1);
        auditor.accept(new RecordedEvent(++seq, 0, close));
        auditor.finish();
        assertThat(auditor.liveObjects()).as("retired at the close").isZero();
    }

    @Test
    void anObjectRevokedWhileItsMemoryIsOffIsNotRetiredSoALaterInstallIsStillFound() {
        List<RevokeEvent> log = new ArrayList<>(oneLife(RES0, 1));
        log.add(3, new MemoryToggled(RES0, MemoryToggled.OFF, "config-write")); // after Mmapped, while live
        Auditor probe = new Auditor(f -> { throw new AssertionError(f.toString()); });
        Logs.numbered(log).forEach(probe::accept);
        assertThat(probe.liveObjects()).as("nothing names it any more, but its memory is off").isEqualTo(1);
        log.add(new Mmapped(RES0, "file-9", "vma-9", 7, 0, 1, RES0, 1));
        List<Finding> findings = Auditor.audit(Logs.numbered(log));
        assertThat(findings).filteredOn(f -> f.invariant() == Invariant.NO_PTE_WHILE_MEMORY_OFF)
                .extracting(Finding::seq, Finding::message)
                .containsExactly(tuple((long) log.size(),
                        "Mmapped vma-9 with 1 page(s) populated while memory is off (since the MemoryToggled(off) at seq 4)"));
    }

    @Test
    void aRetiredObjectKeepsThatItsDriverClosesForASecondRevokeOfTheSameLife() {
        List<RevokeEvent> log = new ArrayList<>(oneLife(RES0, 1));
        log.add(6, new VmaClosed(RES0, "vma-1", 0, 1, VmaClosed.Cause.REVOKE)); // after MappingsZapped
        Auditor probe = new Auditor(f -> { throw new AssertionError(f.toString()); });
        Logs.numbered(log).forEach(probe::accept);
        assertThat(probe.liveObjects()).as("retired after its clean life").isZero();
        // Retired now; a second revoke without a new registration, over a VMA its close step left alone.
        log.add(new Mmapped(RES0, "file-1b", "vma-1b", 7, 0, 1, RES0, 0));
        log.add(new RevokeStarted(RES0, "again"));
        log.add(new RevokeDrained(RES0, 0));
        log.add(new MappingsZapped(RES0, 1, 0, RES0, 0, 1));
        log.add(new RevokeCompleted(RES0));
        List<Finding> findings = Auditor.audit(Logs.numbered(log));
        assertThat(findings).filteredOn(f -> f.invariant() == Invariant.CLOSE_ONCE)
                .extracting(Finding::seq).containsExactly((long) log.size());
    }

    /** One whole life of {@code object}: open, mmap, revoke, unmap, close (clean). */
    private static List<RevokeEvent> oneLife(String object, int i) {
        String f = "file-" + i;
        String v = "vma-" + i;
        return List.of(new ObjectRegistered(object, "sysfs"), new FileOpened(object, f, 7),
                new Mmapped(object, f, v, 7, 0, 1, object, 0), new RevokeStarted(object, "hot-unplug"),
                new RevokeDrained(object, 0), new MappingsZapped(object, 1, 0, object, 0, 1),
                new FileReleased(object, f, ReleaseCause.REVOKE), new RevokeCompleted(object),
                new VmaUnmapped(object, v, 0, 1), new FileClosed(object, f));
    }
}
