package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RevokeEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code revokefs audit --follow}'s {@link Follower} in this JVM, on an H2 store (SharedStoreTest
 * and PostgresStoreTest run it in child JVMs on PostgreSQL, which mutation testing cannot see):
 * each run's events go to that run's auditor, its findings are those of auditing the run alone,
 * each reported once, and a follower started again resumes at its token, auditing only what was
 * committed since.
 */
class FollowerTest {
    private static final long TIMEOUT_MS = 60_000;

    @TempDir
    Path dir;

    /** {@link Logs#cleanRun()} without its zap: the revoke completes with the VMAs still mapped. */
    private static List<RevokeEvent> dirtyRun() {
        List<RevokeEvent> run = new ArrayList<>(Logs.cleanRun());
        run.removeIf(e -> e instanceof RevokeEvent.MappingsZapped);
        return run;
    }

    private static void write(Path db, String run, List<RevokeEvent> events) {
        try (RevokeEventStore store = EventStores.embedded(db, EventStores.Durability.COMMIT, new RunSpec(run, "test " + run, RunSpec.Mode.NEW))) {
            EventRecorder recorder = store.bufferedRecorder(4);
            events.forEach(recorder::record);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waiting for %s", what).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static List<String> expected(String run, List<RevokeEvent> events) {
        return Auditor.audit(Logs.numbered(events)).stream().map(f -> run + " " + f).toList();
    }

    @Test
    void eachRunIsAuditedAloneEachFindingReportedOnceAndARestartedFollowerResumesAtItsToken() throws Exception {
        Path db = dir.resolve("events");
        write(db, "clean", Logs.cleanRun());
        write(db, "dirty", dirtyRun());
        String url = EventStores.h2Url(db);
        List<String> expectedDirty = expected("dirty", dirtyRun());
        assertThat(expectedDirty).as("the dirty run has findings").isNotEmpty();
        long total = Logs.cleanRun().size() + dirtyRun().size();

        List<String> seen = new CopyOnWriteArrayList<>();
        try (Follower f = Follower.start(url, "sa", "", 3, rf -> seen.add(rf.run() + " " + rf.finding()))) {
            await("every event audited", () -> f.audited() == total);
            assertThat(f.failed()).isFalse();
            assertThat(f.position()).isPresent();
            await("the findings handed over", () -> seen.size() == expectedDirty.size());
            assertThat(seen).containsExactlyInAnyOrderElementsOf(expectedDirty);
        }
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT run, audited FROM revokefs_follow_runs ORDER BY run")) {
                List<String> runs = new ArrayList<>();
                while (rs.next()) {
                    runs.add(rs.getString(1) + " " + rs.getLong(2));
                }
                assertThat(runs).containsExactly("clean " + Logs.cleanRun().size(), "dirty " + dirtyRun().size());
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM revokefs_follow_findings WHERE run = 'dirty'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("each finding recorded once").isEqualTo(expectedDirty.size());
            }
        }

        // A third run, then a follower started again: only the new run's events are audited, and the
        // old findings are not reported again.
        write(db, "later", dirtyRun());
        List<String> again = new CopyOnWriteArrayList<>();
        try (Follower f = Follower.start(url, "sa", "", 5, rf -> again.add(rf.run() + " " + rf.finding()))) {
            await("the new run audited", () -> f.audited() == dirtyRun().size());
            await("its findings handed over", () -> again.size() == expectedDirty.size());
            TimeUnit.MILLISECONDS.sleep(300); // a repeat of an old finding would come in the same batches
            assertThat(again).containsExactlyInAnyOrderElementsOf(expected("later", dirtyRun()));
            assertThat(f.audited()).isEqualTo(dirtyRun().size());
        }
    }

    @Test
    void aStoreWithoutEventsIsRefusedAndABadBatchSizeToo() {
        assertThatThrownBy(() -> Follower.start(EventStores.h2Url(dir.resolve("empty")), "sa", "", 0, rf -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
        Path empty = dir.resolve("empty");
        try (Connection c = DriverManager.getConnection(EventStores.h2Url(empty), "sa", "")) {
            assertThat(c.isValid(1)).isTrue();
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> Follower.start(EventStores.h2Url(empty), "sa", "", 1, rf -> { }))
                .isInstanceOf(StoreException.class).hasMessageContaining("not a revokefs store");
    }
}
