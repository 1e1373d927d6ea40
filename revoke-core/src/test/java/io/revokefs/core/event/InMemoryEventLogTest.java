package io.revokefs.core.event;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The in-memory log as the command line's run uses it: it streams the log to its file through a
 * listener (issue 18 point 1), reports durations from {@code t}, and the tests read one object's
 * events. Found by mutation testing (issue 18 point 12): the listener call removed, {@code t}
 * counted from the wrong end, {@code record}'s seq replaced by 0 and {@code eventsOf} keeping every
 * object's events passed the whole suite.
 */
class InMemoryEventLogTest {

    @Test
    void recordReturnsTheSeqItAssignsFromOneWithoutGaps() {
        InMemoryEventLog log = new InMemoryEventLog();
        assertThat(log.record(new RevokeEvent.ObjectRegistered("a", "test"))).isEqualTo(1);
        assertThat(log.record(new RevokeEvent.ObjectRegistered("b", "test"))).isEqualTo(2);
        assertThat(log.record(new RevokeEvent.RevokeCompleted("a"))).isEqualTo(3);
        assertThat(log.events()).extracting(RecordedEvent::seq).containsExactly(1L, 2L, 3L);
        assertThat(log.size()).isEqualTo(3);
    }

    @Test
    void listenersSeeEveryLaterEventOnceInSeqOrder() {
        InMemoryEventLog log = new InMemoryEventLog();
        log.record(new RevokeEvent.ObjectRegistered("before", "test"));
        List<RecordedEvent> seen = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        log.addListener(seen::add);
        log.addListener(e -> second.add(e.seq()));
        RevokeEvent opened = new RevokeEvent.FileOpened("a", "file-1", 1);
        RevokeEvent closed = new RevokeEvent.FileClosed("a", "file-1");
        log.record(opened);
        log.record(closed);
        assertThat(seen).extracting(RecordedEvent::event).containsExactly(opened, closed);
        assertThat(seen).extracting(RecordedEvent::seq).containsExactly(2L, 3L);
        assertThat(second).containsExactly(2L, 3L);
    }

    @Test
    void eventTimesAreNanosecondsSinceTheLogWasMadeAndNeverDecrease() {
        long before = System.nanoTime();
        InMemoryEventLog log = new InMemoryEventLog();
        log.record(new RevokeEvent.ObjectRegistered("a", "test"));
        log.record(new RevokeEvent.RevokeStarted("a", "test"));
        long elapsed = System.nanoTime() - before;
        List<Long> times = log.events().stream().map(RecordedEvent::timeNanos).toList();
        assertThat(times).allSatisfy(t -> assertThat(t).isBetween(0L, elapsed));
        assertThat(times.get(1)).isGreaterThanOrEqualTo(times.get(0));
    }

    @Test
    void eventsOfKeepsOnlyThatObjectsEventsInSeqOrder() {
        InMemoryEventLog log = new InMemoryEventLog();
        log.record(new RevokeEvent.ObjectRegistered("a", "test"));
        log.record(new RevokeEvent.ObjectRegistered("b", "test"));
        log.record(new RevokeEvent.RevokeStarted("a", "test"));
        assertThat(log.eventsOf("a")).extracting(RecordedEvent::seq).containsExactly(1L, 3L);
        assertThat(log.eventsOf("b")).extracting(RecordedEvent::type).containsExactly("ObjectRegistered");
        assertThat(log.eventsOf("c")).isEmpty();
    }

    @Test
    void theDiscardingRecorderKeepsNothingButCountsTheSeq() {
        // The benchmarks' recorder: the library still gets increasing seqs from it.
        EventRecorder r = EventRecorder.discarding();
        assertThat(r.record(new RevokeEvent.RevokeCompleted("a"))).isEqualTo(1);
        assertThat(r.record(new RevokeEvent.RevokeCompleted("a"))).isEqualTo(2);
    }

    @Test
    void aRecordedEventRefusesASeqBelowOne() {
        RevokeEvent e = new RevokeEvent.RevokeCompleted("a");
        assertThat(new RecordedEvent(1, 0, e).object()).isEqualTo("a");
        assertThatIllegalArgumentException().isThrownBy(() -> new RecordedEvent(0, 0, e))
                .withMessage("seq must be >= 1, got 0");
    }
}
