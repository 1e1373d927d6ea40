package io.revokefs.history;

import io.revokefs.core.event.RevokeEvent;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The tables of a JDBC store beside Axon's ({@code domainevententry}, {@code snapshotevententry}),
 * and the layouts a store can have:
 *
 * <ul>
 *   <li>schema 1 (written before runs existed): Axon's tables only, one run whose aggregate ids are
 *       the object ids. Read as one run named {@value #LEGACY_RUN}; a writer that opens it migrates it
 *       once (see {@link #createOrMigrate});</li>
 *   <li>schema 2: also {@code revokefs_schema} (its version) and {@code revokefs_runs}, one row per
 *       run: id, label, start, counts, the global index range its events occupy, and its audit
 *       verdict. A run's aggregate ids are {@code RUN/OBJECT} (see {@link #aggregateId}).</li>
 * </ul>
 * The row of a run is updated in the transaction that appends each batch of its events, so it
 * always describes exactly the events committed.
 */
final class StoreSchema {
    static final int VERSION = 2;
    /** The run id of the events of a schema-1 store. */
    static final String LEGACY_RUN = "legacy";
    /** Axon's {@code aggregateIdentifier} column is {@code VARCHAR(255)}. */
    static final int MAX_AGGREGATE_ID = 255;
    /** The PostgreSQL advisory lock that serializes creating and migrating the tables. */
    private static final long DDL_LOCK = 0x7265766f6b65L; // "revoke"

    private static final String RUNS_DDL = "CREATE TABLE revokefs_runs ("
            + "id VARCHAR(" + RunSpec.MAX_ID + ") NOT NULL PRIMARY KEY, "
            + "label VARCHAR(4000) NOT NULL, "
            + "started BIGINT NOT NULL, "
            + "events BIGINT NOT NULL, "
            + "objects BIGINT NOT NULL, "
            + "revokes BIGINT NOT NULL, "
            + "first_index BIGINT, "
            + "last_index BIGINT, "
            + "prefixed BOOLEAN NOT NULL, "
            + "verdict VARCHAR(200))";

    private static final String OBJECT_REGISTERED = RevokeEvent.class.getName() + "$" + RevokeEvent.ObjectRegistered.class.getSimpleName();
    private static final String REVOKE_STARTED = RevokeEvent.class.getName() + "$" + RevokeEvent.RevokeStarted.class.getSimpleName();

    enum Layout { EMPTY, SCHEMA_1, RUNS }

    private StoreSchema() {
    }

    static Layout layout(Connection c) throws SQLException {
        if (!tableExists(c, "domainevententry")) {
            return Layout.EMPTY;
        }
        return tableExists(c, "revokefs_runs") ? Layout.RUNS : Layout.SCHEMA_1;
    }

    static boolean tableExists(Connection c, String table) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, null, table, null)) {
            return rs.next();
        }
    }

    static boolean isPostgres(Connection c) throws SQLException {
        return c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
    }

    /**
     * Brings the store to schema 2, in one committed transaction: creates every table of an empty
     * store; migrates a schema-1 store by adding the run tables and a row for its one run ({@value
     * #LEGACY_RUN}, its events left as they are: their aggregate ids stay the object ids, and the
     * row's {@code prefixed = false} says so). On PostgreSQL an advisory lock makes concurrent
     * writers do this once.
     */
    static void createOrMigrate(Connection c, List<String> tuning) throws SQLException {
        try {
            if (isPostgres(c)) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ")");
                }
            }
            Layout layout = layout(c);
            if (layout == Layout.EMPTY) {
                PostgresEventTableFactory.INSTANCE.createDomainEventTable(c, EventSchema.builder().build()).execute();
                PostgresEventTableFactory.INSTANCE.createSnapshotEventTable(c, EventSchema.builder().build()).execute();
            }
            if (layout != Layout.RUNS) {
                try (Statement s = c.createStatement()) {
                    s.execute(RUNS_DDL);
                    s.execute("CREATE TABLE revokefs_schema (version INT NOT NULL)");
                    s.execute("INSERT INTO revokefs_schema (version) VALUES (" + VERSION + ")");
                }
            }
            if (layout == Layout.SCHEMA_1) {
                RunInfo legacy = legacyRun(c);
                long[] range = legacyRange(c);
                if (legacy.events() > 0) {
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO revokefs_runs"
                            + " (id, label, started, events, objects, revokes, first_index, last_index, prefixed)"
                            + " VALUES (?, ?, 0, ?, ?, ?, ?, ?, FALSE)")) {
                        p.setString(1, LEGACY_RUN);
                        p.setString(2, legacy.label());
                        p.setLong(3, legacy.events());
                        p.setLong(4, legacy.objects());
                        p.setLong(5, legacy.revokes());
                        p.setLong(6, range[0]);
                        p.setLong(7, range[1]);
                        p.executeUpdate();
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                for (String sql : tuning) {
                    s.execute(sql);
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    /** The one run of a schema-1 store, counted from its rows. */
    static RunInfo legacyRun(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*),"
                + " SUM(CASE WHEN payloadType = ? THEN 1 ELSE 0 END),"
                + " SUM(CASE WHEN payloadType = ? THEN 1 ELSE 0 END) FROM domainevententry")) {
            p.setString(1, OBJECT_REGISTERED);
            p.setString(2, REVOKE_STARTED);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return new RunInfo(LEGACY_RUN, "schema-1 store (written before runs)", Instant.EPOCH,
                        rs.getLong(1), rs.getLong(2), rs.getLong(3), null);
            }
        }
    }

    /** {first, last} global index of a schema-1 store's events ({1, 0} if none). */
    static long[] legacyRange(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT MIN(globalIndex), MAX(globalIndex) FROM domainevententry")) {
            rs.next();
            long first = rs.getLong(1);
            return rs.wasNull() ? new long[] {1, 0} : new long[] {first, rs.getLong(2)};
        }
    }

    /**
     * The aggregate id of {@code object}'s stream in the run with aggregate id prefix {@code
     * prefix}: {@code prefix + object}, or, when that would not fit Axon's column (or the object id
     * starts with {@code #}), {@code prefix + "#" + SHA-256(object)}. The payload keeps the full id;
     * the aggregate id only has to be unique and the same for every event of the object.
     */
    static String aggregateId(String prefix, String object) {
        if (prefix.length() + object.length() <= MAX_AGGREGATE_ID && !object.startsWith("#")) {
            return prefix + object;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(object.getBytes(StandardCharsets.UTF_8));
            return prefix + "#" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The row of run {@code id}, or null. */
    static RunRow findRun(Connection c, String id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM revokefs_runs WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    /** Every run, oldest first. */
    static List<RunRow> runs(Connection c) throws SQLException {
        List<RunRow> rows = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + RUN_COLUMNS + " FROM revokefs_runs ORDER BY started, id")) {
            while (rs.next()) {
                rows.add(row(rs));
            }
        }
        return rows;
    }

    private static final String RUN_COLUMNS = "id, label, started, events, objects, revokes, first_index, last_index, prefixed, verdict";

    private static RunRow row(ResultSet rs) throws SQLException {
        long first = rs.getLong(7);
        boolean noFirst = rs.wasNull();
        long last = rs.getLong(8);
        return new RunRow(new RunInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getString(10)),
                noFirst ? 1 : first, noFirst ? 0 : last, rs.getBoolean(9));
    }

    /**
     * Inserts a new run's row and commits. Returns false if the id is taken (the transaction is
     * rolled back, so the caller may try another id).
     */
    static boolean insertRun(Connection c, String id, String label, Instant started) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO revokefs_runs"
                + " (id, label, started, events, objects, revokes, prefixed) VALUES (?, ?, ?, 0, 0, 0, TRUE)")) {
            p.setString(1, id);
            p.setString(2, label.length() > 4000 ? label.substring(0, 3997) + "..." : label);
            p.setLong(3, started.toEpochMilli());
            p.executeUpdate();
            c.commit();
            return true;
        } catch (SQLException e) {
            c.rollback();
            if ("23505".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /**
     * In the transaction of a batch just appended: sets the run's counts and widens its global
     * index range to the batch's first and last events (found by their aggregate id and sequence
     * number, through Axon's unique index on both). The row must still say {@code before} events:
     * if another writer appended to the run meanwhile (two writers opened one run), the update
     * matches no row and the batch is refused, so a run's seqs never interleave or repeat.
     */
    static void recordBatch(Connection c, String run, long before, long events, long objects, long revokes,
                            String firstAggregate, long firstSequence, String lastAggregate, long lastSequence) throws SQLException {
        long first;
        long last;
        try (PreparedStatement p = c.prepareStatement("SELECT MIN(globalIndex), MAX(globalIndex), COUNT(*) FROM domainevententry"
                + " WHERE (aggregateIdentifier = ? AND sequenceNumber = ?) OR (aggregateIdentifier = ? AND sequenceNumber = ?)")) {
            p.setString(1, firstAggregate);
            p.setLong(2, firstSequence);
            p.setString(3, lastAggregate);
            p.setLong(4, lastSequence);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                long rows = rs.getLong(3);
                if (rows == 0 || (rows == 1 && !(firstAggregate.equals(lastAggregate) && firstSequence == lastSequence))) {
                    throw new SQLException("the events just appended to " + firstAggregate + " #" + firstSequence + " and "
                            + lastAggregate + " #" + lastSequence + " are not in the table");
                }
                first = rs.getLong(1);
                last = rs.getLong(2);
            }
        }
        try (PreparedStatement p = c.prepareStatement("UPDATE revokefs_runs SET events = ?, objects = ?, revokes = ?,"
                + " first_index = COALESCE(first_index, ?), last_index = ? WHERE id = ? AND events = ?")) {
            p.setLong(1, events);
            p.setLong(2, objects);
            p.setLong(3, revokes);
            p.setLong(4, first);
            p.setLong(5, last);
            p.setString(6, run);
            p.setLong(7, before);
            if (p.executeUpdate() != 1) {
                throw new SQLException("run " + run + " no longer ends at seq " + before
                        + ": another writer appended to it (one writer per run)");
            }
        }
    }

    static void setVerdict(Connection c, String run, String verdict) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE revokefs_runs SET verdict = ? WHERE id = ?")) {
            p.setString(1, verdict);
            p.setString(2, run);
            p.executeUpdate();
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    /**
     * A run's row.
     *
     * @param firstIndex the global index of its first event (1 with lastIndex 0 when it has none)
     * @param lastIndex  the global index of its last event
     * @param prefixed   whether its aggregate ids are {@code RUN/OBJECT} (false for a schema-1 run)
     */
    record RunRow(RunInfo info, long firstIndex, long lastIndex, boolean prefixed) {
        String prefix() {
            return prefixed ? info.id() + "/" : "";
        }
    }
}
