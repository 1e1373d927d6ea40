package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What every store does, whatever its engine. */
final class StoreContract {
    private StoreContract() {
    }

    static void recordsAndReadsBack(RevokeEventStore store) {
        List<RevokeEvent> run = Logs.cleanRun();
        EventRecorder recorder = store.recorder();
        for (int i = 0; i < run.size(); i++) {
            assertThat(recorder.record(run.get(i))).isEqualTo(i + 1);
        }
        assertThat(store.lastSeq()).isEqualTo(run.size());
        try (Stream<RecordedEvent> all = store.readAll()) {
            List<RecordedEvent> events = all.toList();
            assertThat(events).extracting(RecordedEvent::event).containsExactlyElementsOf(run);
            assertThat(events).extracting(RecordedEvent::seq).isSorted().startsWith(1L).endsWith((long) run.size());
            assertThat(events).extracting(RecordedEvent::timeNanos).isSorted();
        }
        assertThat(store.readObject(Logs.MEM)).extracting(RecordedEvent::event)
                .containsExactlyElementsOf(run.stream().filter(e -> e.object().equals(Logs.MEM)).toList());
        assertThat(store.readObject("sysfs:/nothing")).isEmpty();
    }
}
