package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.FileOpened;
import io.revokefs.core.event.RevokeEvent.ObjectRegistered;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs in one H2 store, the schema-1 layout, and reading without writing (issue 19, issue 18 points 2, 5, 8). */
class RunsStoreTest {
    @TempDir
    Path dir;

    private static RunSpec newRun(String id) {
        return new RunSpec(id, "test " + id, RunSpec.Mode.NEW);
    }

    private static List<RecordedEvent> read(StoreReader reader, String run) {
        try (Stream<RecordedEvent> s = reader.read(run)) {
            return s.toList();
        }
    }

    @Test
    void twoRunsOfOneStoreEachHaveTheirSeqFromOneAndTheirOwnStreams() {
        Path db = dir.resolve("events");
        List<RevokeEvent> run = Logs.cleanRun();
        for (String id : List.of("first", "second")) {
            try (RevokeEventStore store = EventStores.embedded(db, EventStores.Durability.COMMIT, newRun(id))) {
                assertThat(store.run()).isEqualTo(id);
                EventRecorder recorder = store.bufferedRecorder(4);
                for (int i = 0; i < run.size(); i++) {
                    assertThat(recorder.record(run.get(i))).isEqualTo(i + 1);
                }
                // the same object id in the other run is another stream
                assertThat(store.readObject(Logs.RES0)).hasSize((int) run.stream().filter(e -> e.object().equals(Logs.RES0)).count());
                store.recordVerdict("clean");
            }
        }
        try (StoreReader reader = EventStores.readEmbedded(db)) {
            assertThat(reader.runs()).extracting(RunInfo::id).containsExactly("first", "second");
            RunInfo first = reader.runs().get(0);
            assertThat(first.events()).isEqualTo(run.size());
            assertThat(first.objects()).isEqualTo(run.stream().filter(e -> e instanceof ObjectRegistered).count());
            assertThat(first.revokes()).isEqualTo(run.stream().filter(e -> e instanceof RevokeEvent.RevokeStarted).count());
            assertThat(first.verdict()).isEqualTo("clean");
            assertThat(first.label()).isEqualTo("test first");
            for (String id : List.of("first", "second")) {
                List<RecordedEvent> events = read(reader, id);
                assertThat(events).extracting(RecordedEvent::event).containsExactlyElementsOf(run);
                assertThat(Auditor.audit(events)).isEmpty();
            }
            assertThatThrownBy(reader::onlyRun).isInstanceOf(StoreException.class)
                    .hasMessageContaining("holds 2 runs: name one with --run (first, second)");
            assertThatThrownBy(() -> reader.read("third")).isInstanceOf(StoreException.class)
                    .hasMessageContaining("holds no run 'third'; it holds first, second");
        }
    }

    @Test
    void aNewRunWithTheIdOfAnExistingOneIsRefusedAndAGeneratedIdIsMadeUnique() {
        Path db = dir.resolve("events");
        EventStores.embedded(db, EventStores.Durability.COMMIT, newRun("a")).close();
        assertThatThrownBy(() -> EventStores.embedded(db, EventStores.Durability.COMMIT, newRun("a")))
                .isInstanceOf(StoreException.class).hasMessageContaining("already holds a run 'a'");
        Instant now = Instant.parse("2026-12-01T09:00:00.123Z");
        RunSpec generated = RunSpec.generated("my script.scenario", now, "x");
        assertThat(generated.id()).isEqualTo("my-script.scenario-20261201-090000-123");
        try (RevokeEventStore one = EventStores.embedded(db, EventStores.Durability.COMMIT, generated)) {
            assertThat(one.run()).isEqualTo(generated.id());
        }
        try (RevokeEventStore two = EventStores.embedded(db, EventStores.Durability.COMMIT, generated)) {
            assertThat(two.run()).isEqualTo(generated.id() + "-2");
        }
        assertThatThrownBy(() -> new RunSpec("a/b", "", RunSpec.Mode.NEW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad run id 'a/b'");
    }

    /** A store written by the code before runs (revoke-history at 857c279): Logs.cleanRun(), one run. */
    private Path schema1Store() throws IOException {
        Path db = dir.resolve("schema1");
        try (InputStream in = RunsStoreTest.class.getResourceAsStream("/stores/schema1-clean-run.mv.db")) {
            Files.copy(in, Path.of(db + ".mv.db"));
        }
        return db;
    }

    @Test
    void aSchema1StoreWrittenBeforeRunsReadsAsOneRunWithoutBeingChanged() throws IOException {
        Path db = schema1Store();
        byte[] before = Files.readAllBytes(Path.of(db + ".mv.db"));
        try (StoreReader reader = EventStores.readEmbedded(db)) {
            assertThat(reader.onlyRun()).isEqualTo(StoreSchema.LEGACY_RUN);
            assertThat(reader.runs().get(0).events()).isEqualTo(Logs.cleanRun().size());
            assertThat(read(reader, StoreSchema.LEGACY_RUN)).extracting(RecordedEvent::event).containsExactlyElementsOf(Logs.cleanRun());
        }
        assertThat(Files.readAllBytes(Path.of(db + ".mv.db"))).isEqualTo(before);
    }

    @Test
    void aWriterMigratesASchema1StoreOnceAndItsOldRunStillReads() throws IOException {
        Path db = schema1Store();
        try (RevokeEventStore store = EventStores.embedded(db, EventStores.Durability.COMMIT, newRun("after"))) {
            Logs.cleanRun().forEach(store.recorder()::record);
        }
        try (RevokeEventStore store = EventStores.embedded(db, EventStores.Durability.COMMIT, newRun("again"))) {
            store.recorder().record(new ObjectRegistered(Logs.MEM, "devmem"));
        }
        try (StoreReader reader = EventStores.readEmbedded(db)) {
            assertThat(reader.runs()).extracting(RunInfo::id).containsExactly(StoreSchema.LEGACY_RUN, "after", "again");
            assertThat(read(reader, StoreSchema.LEGACY_RUN)).extracting(RecordedEvent::event).containsExactlyElementsOf(Logs.cleanRun());
            assertThat(read(reader, "after")).extracting(RecordedEvent::event).containsExactlyElementsOf(Logs.cleanRun());
            assertThat(read(reader, "again")).extracting(RecordedEvent::seq).containsExactly(1L);
        }
    }

    @Test
    void objectIdsLongerThan255CharactersAreStoredAndReadBack() {
        String longId = "sysfs:/devices/" + "x".repeat(1_000);
        String hashLike = "#not-a-hash";
        try (RevokeEventStore store = EventStores.embedded(dir.resolve("events"))) {
            EventRecorder recorder = store.bufferedRecorder(500);
            recorder.record(new ObjectRegistered(longId, "sysfs"));
            recorder.record(new FileOpened(longId, "file-1", 1));
            recorder.record(new ObjectRegistered(hashLike, "sysfs"));
            assertThat(store.readObject(longId)).extracting(RecordedEvent::seq).containsExactly(1L, 2L);
            assertThat(store.readObject(hashLike)).extracting(RecordedEvent::seq).containsExactly(3L);
            try (Stream<RecordedEvent> all = store.readAll()) {
                assertThat(all.map(e -> e.event().object())).containsExactly(longId, longId, hashLike);
            }
        }
    }

    @Test
    void aFailedBatchNamesTheSeqsNotStoredAndTheStoreTakesNoMore() throws Exception {
        Path db = dir.resolve("events");
        try (RevokeEventStore store = EventStores.embedded(db)) {
            EventRecorder recorder = store.bufferedRecorder(100);
            recorder.record(new ObjectRegistered(Logs.MEM, "devmem"));
            store.flush();
            recorder.record(new FileOpened(Logs.MEM, "file-1", 1));
            recorder.record(new FileOpened(Logs.MEM, "file-2", 1));
            // the table goes away under the store (same JVM: the same open H2 database)
            try (Connection c = DriverManager.getConnection(EventStores.h2Url(db), "sa", ""); Statement s = c.createStatement()) {
                s.execute("DROP TABLE domainevententry");
            }
            assertThatThrownBy(store::flush).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot store events seq 2..3 of run run were not stored");
            assertThatThrownBy(() -> recorder.record(new FileOpened(Logs.MEM, "file-3", 1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the store failed earlier: events seq 2..3 of run run were not stored");
        }
    }

    @Test
    void auditDoesNotWriteTheStoreAndAReadOnlyFileReads() throws IOException {
        Path db = dir.resolve("events");
        try (RevokeEventStore store = EventStores.embedded(db)) {
            Logs.cleanRun().forEach(store.recorder()::record);
        }
        Path file = Path.of(db + ".mv.db");
        byte[] before = Files.readAllBytes(file);
        long modified = Files.getLastModifiedTime(file).toMillis();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        for (int i = 0; i < 2; i++) {
            try (StoreReader reader = EventStores.readEmbedded(db)) {
                assertThat(Auditor.audit(read(reader, reader.onlyRun()))).isEmpty();
            }
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(modified);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("events.mv.db");
        }
    }

    @Test
    void anEmptyFileOrAMistypedH2UrlIsNotAStoreAndNothingIsCreated() throws IOException {
        Path empty = dir.resolve("empty");
        Files.createFile(Path.of(empty + ".mv.db"));
        assertThatThrownBy(() -> EventStores.readEmbedded(empty)).isInstanceOf(StoreException.class)
                .hasMessageContaining("empty.mv.db is empty: not a revokefs store");
        assertThatThrownBy(() -> EventStores.readEmbedded(dir.resolve("absent"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("absent.mv.db: no such store");
        String typo = "jdbc:h2:file:" + dir.resolve("evnets").toAbsolutePath();
        assertThatThrownBy(() -> EventStores.readJdbc(typo, "sa", "")).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot open the store " + typo);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("empty.mv.db");
        }
        assertThat(Files.size(Path.of(empty + ".mv.db"))).isZero();
    }

    @Test
    void anH2DatabaseWithoutEventTablesIsNotAStore() throws Exception {
        Path other = dir.resolve("other");
        try (Connection c = DriverManager.getConnection(EventStores.h2Url(other), "sa", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (x INT)");
        }
        assertThatThrownBy(() -> EventStores.readEmbedded(other)).isInstanceOf(StoreException.class)
                .hasMessageContaining("is not a revokefs store (it has no event table)");
    }

    @Test
    void aDamagedStoreIsRefusedAndNotRewritten() throws IOException {
        Path db = dir.resolve("events");
        try (RevokeEventStore store = EventStores.embedded(db)) {
            Logs.cleanRun().forEach(store.recorder()::record);
        }
        Path file = Path.of(db + ".mv.db");
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < bytes.length; i += 64) {
            bytes[i] ^= 0x5a;
        }
        Files.write(file, bytes);
        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> {
                try (StoreReader reader = EventStores.readEmbedded(db)) {
                    read(reader, reader.onlyRun());
                }
            }).isInstanceOf(StoreException.class).hasMessageContaining(file.toString());
            assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("events.mv.db");
        }
    }

    @Test
    void storeUnderRegularFileIsAStoreExceptionAndLeavesNoTraceFile() throws IOException {
        Path plain = dir.resolve("plain");
        Files.writeString(plain, "not a directory");
        assertThatThrownBy(() -> EventStores.embedded(plain.resolve("events"))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> EventStores.readEmbedded(plain.resolve("events"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("no such store");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".trace.db"));
        }
    }

    @Test
    void aClosedStoreIsAtMostFiveTimesTheJsonLinesLogOfTheSameRun() throws IOException {
        Path db = dir.resolve("events");
        Path log = dir.resolve("run.jsonl");
        try (RevokeEventStore store = EventStores.embedded(db)) {
            EventRecorder recorder = store.bufferedRecorder(500);
            LifeCycles events = new LifeCycles(8);
            for (int i = 0; i < 30_000; i++) {
                recorder.record(events.next());
            }
            store.flush();
            try (Stream<RecordedEvent> all = store.readAll()) {
                JsonLines.export(all, log);
            }
        }
        long storeBytes = Files.size(Path.of(db + ".mv.db"));
        long logBytes = Files.size(log);
        org.slf4j.LoggerFactory.getLogger(RunsStoreTest.class).info("30,000 events: store {} bytes, log {} bytes ({}x)",
                storeBytes, logBytes, String.format("%.2f", (double) storeBytes / logBytes));
        assertThat(storeBytes).isLessThanOrEqualTo(5 * logBytes);
    }

    @Test
    void aSecondWriterOfOneRunIsRefusedAndTheRunStaysContiguous() {
        Path db = dir.resolve("events");
        RunSpec dup = new RunSpec("dup", "", RunSpec.Mode.CONTINUE);
        try (RevokeEventStore a = EventStores.embedded(db, EventStores.Durability.COMMIT, dup);
             RevokeEventStore b = EventStores.embedded(db, EventStores.Durability.COMMIT, dup)) {
            EventRecorder ra = a.bufferedRecorder(10);
            EventRecorder rb = b.bufferedRecorder(10);
            ra.record(new ObjectRegistered(Logs.MEM, "devmem"));
            ra.record(new FileOpened(Logs.MEM, "file-1", 1));
            a.flush();
            rb.record(new ObjectRegistered(Logs.UIO, "uio"));
            assertThatThrownBy(b::flush).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("events seq 1..1 of run dup were not stored")
                    .hasMessageContaining("another writer appended to it");
            ra.record(new FileOpened(Logs.MEM, "file-2", 1));
        }
        try (StoreReader reader = EventStores.readEmbedded(db)) {
            assertThat(read(reader, "dup")).extracting(RecordedEvent::seq).containsExactly(1L, 2L, 3L);
            assertThat(read(reader, "dup")).extracting(e -> e.event().object()).containsOnly(Logs.MEM);
        }
    }
}
