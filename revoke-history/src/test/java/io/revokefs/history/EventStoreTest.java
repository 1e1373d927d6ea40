package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.FileOpened;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventStoreTest {
    @TempDir
    Path dir;

    @Test
    void inMemoryStoreKeepsGlobalOrderAndPerObjectStreams() {
        try (RevokeEventStore store = EventStores.inMemory()) {
            StoreContract.recordsAndReadsBack(store);
        }
    }

    @Test
    void embeddedStoreKeepsGlobalOrderAndPerObjectStreams() {
        try (RevokeEventStore store = EventStores.embedded(dir.resolve("events"))) {
            StoreContract.recordsAndReadsBack(store);
        }
    }

    @Test
    void embeddedStoreSurvivesReopenAndContinuesTheSequence() {
        Path db = dir.resolve("events");
        List<RevokeEvent> run = Logs.cleanRun();
        try (RevokeEventStore store = EventStores.embedded(db)) {
            run.subList(0, 10).forEach(store.recorder()::record);
        }
        try (RevokeEventStore store = EventStores.embedded(db)) {
            assertThat(store.lastSeq()).isEqualTo(10);
            EventRecorder recorder = store.recorder();
            assertThat(recorder.record(run.get(10))).isEqualTo(11);
            run.subList(11, run.size()).forEach(recorder::record);
            try (Stream<RecordedEvent> all = store.readAll()) {
                assertThat(all.map(RecordedEvent::event)).containsExactlyElementsOf(run);
            }
            // the object's aggregate sequence also continued: its stream reads back in order
            assertThat(store.readObject(Logs.RES0)).extracting(RecordedEvent::event)
                    .containsExactlyElementsOf(run.stream().filter(e -> e.object().equals(Logs.RES0)).toList());
        }
    }

    @Test
    void embeddedStoreCachesAThousandGlobalIndexValuesAndReopensWithoutAGap() throws SQLException {
        Path db = dir.resolve("events");
        List<RevokeEvent> run = Logs.cleanRun();
        for (int round = 0; round < 2; round++) {
            try (RevokeEventStore store = EventStores.embedded(db)) {
                run.forEach(store.bufferedRecorder(10)::record);
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT identity_cache FROM information_schema.columns"
                    + " WHERE table_name = 'domainevententry' AND column_name = 'globalindex'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(1000);
            }
            // a clean close keeps the index contiguous across reopen (the cache is not lost)
            try (ResultSet rs = s.executeQuery("SELECT MIN(globalindex), MAX(globalindex), COUNT(*) FROM domainevententry")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(2) - rs.getLong(1) + 1).isEqualTo(rs.getLong(3)).isEqualTo(2L * run.size());
            }
        }
    }

    @Test
    void bufferedEventsAreStoredOnCloseNotLost() {
        Path db = dir.resolve("events");
        try (RevokeEventStore store = EventStores.embedded(db)) {
            EventRecorder buffered = store.bufferedRecorder(1_000);
            Logs.cleanRun().forEach(buffered::record);
        }
        try (RevokeEventStore store = EventStores.embedded(db); Stream<RecordedEvent> all = store.readAll()) {
            assertThat(all.map(RecordedEvent::event)).containsExactlyElementsOf(Logs.cleanRun());
        }
    }

    @Test
    void bufferedAndDurableRecordersShareOneSequence() {
        try (RevokeEventStore store = EventStores.inMemory()) {
            EventRecorder buffered = store.bufferedRecorder(3);
            EventRecorder durable = store.recorder();
            assertThat(buffered.record(new FileOpened("o", "file-1", 1))).isEqualTo(1);
            assertThat(durable.record(new FileOpened("o", "file-2", 1))).isEqualTo(2);
            assertThat(buffered.record(new FileOpened("o", "file-3", 1))).isEqualTo(3);
            assertThat(store.readObject("o")).extracting(RecordedEvent::seq).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void importKeepsSeqAndTimeAndTheStoreContinuesAfterIt() throws IOException {
        Path log = dir.resolve("run.jsonl");
        List<RecordedEvent> events = Logs.numbered(Logs.cleanRun());
        JsonLines.export(events.stream(), log);
        try (RevokeEventStore store = EventStores.embedded(dir.resolve("events"))) {
            assertThat(store.importLog(log)).isEqualTo(events.size());
            assertThat(store.recorder().record(new FileOpened("o", "file-9", 1))).isEqualTo(events.size() + 1);
            try (Stream<RecordedEvent> all = store.readAll()) {
                assertThat(all.limit(events.size())).containsExactlyElementsOf(events);
            }
        }
    }

    @Test
    void importOfAMalformedLogStoresNothing() throws IOException {
        Path log = dir.resolve("bad.jsonl");
        List<RecordedEvent> events = Logs.numbered(Logs.cleanRun());
        JsonLines.export(events.stream(), log);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log));
        lines.set(lines.size() - 1, lines.get(lines.size() - 1).replace("\"type\":\"FileClosed\"", "\"type\":\"Closed\""));
        Files.write(log, lines);
        try (RevokeEventStore store = EventStores.embedded(dir.resolve("events"))) {
            assertThatThrownBy(() -> store.importLog(log)).isInstanceOf(MalformedLogException.class)
                    .hasMessage("line " + lines.size() + ": unknown type 'Closed'");
            assertThat(store.lastSeq()).isZero();
            try (Stream<RecordedEvent> all = store.readAll()) {
                assertThat(all).isEmpty();
            }
        }
    }

    @Test
    void importRefusesALogThatDoesNotFollowTheStore() throws IOException {
        Path log = dir.resolve("run.jsonl");
        JsonLines.export(Logs.numbered(Logs.uioRun()).stream(), log);
        try (RevokeEventStore store = EventStores.inMemory()) {
            store.recorder().record(new FileOpened("o", "file-1", 1));
            assertThatThrownBy(() -> store.importLog(log)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("first seq 1 is not after the store's last seq 1");
            assertThat(store.readObject(Logs.UIO)).isEmpty();
        }
    }

    @Test
    void noAxonServerConnectorIsOnTheClassPath() {
        assertThatThrownBy(() -> Class.forName("org.axonframework.axonserver.connector.AxonServerConfiguration"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void aClosedStoreRefusesUse() {
        RevokeEventStore store = EventStores.inMemory();
        EventRecorder recorder = store.recorder();
        store.close();
        store.close();
        assertThatThrownBy(() -> recorder.record(new FileOpened("o", "file-1", 1)))
                .isInstanceOf(IllegalStateException.class).hasMessage("event store is closed");
    }
}
