package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link StoreReader} on one read-only JDBC connection. It only ever runs SELECTs; a store whose
 * tables are missing is refused before anything is read.
 */
final class JdbcStoreReader implements StoreReader {
    private final Connection connection;
    private final String where;
    private final StoreSchema.Layout layout;
    private final JacksonSerializer serializer = AxonEventStore.serializer();
    private final EventUpcasterChain upcaster = new EventUpcasterChain(new SchemaV0Upcaster());
    private boolean reading;

    private JdbcStoreReader(Connection connection, String where, StoreSchema.Layout layout) {
        this.connection = connection;
        this.where = where;
        this.layout = layout;
    }

    /** Takes over {@code connection} (closing it if the store is refused). */
    static JdbcStoreReader open(Connection connection, String where) {
        try {
            connection.setReadOnly(true);
            StoreSchema.Layout layout = StoreSchema.layout(connection);
            if (layout == StoreSchema.Layout.EMPTY) {
                throw new StoreException(where + " is not a revokefs store (it has no event table)");
            }
            return new JdbcStoreReader(connection, where, layout);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot read the store " + where + ": " + EventStores.reason(e), e);
        }
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public List<RunInfo> runs() {
        try {
            if (layout == StoreSchema.Layout.SCHEMA_1) {
                RunInfo legacy = StoreSchema.legacyRun(connection);
                return legacy.events() == 0 ? List.of() : List.of(legacy);
            }
            List<RunInfo> runs = new ArrayList<>();
            boolean followed = StoreSchema.tableExists(connection, Follower.RUNS_TABLE);
            for (StoreSchema.RunRow row : StoreSchema.runs(connection)) {
                RunInfo info = row.info();
                if (info.verdict() == null && followed) {
                    info = withFollowerVerdict(info);
                }
                runs.add(info);
            }
            return runs;
        } catch (SQLException e) {
            throw new StoreException("cannot list the runs of " + where + ": " + EventStores.reason(e), e);
        }
    }

    private RunInfo withFollowerVerdict(RunInfo info) throws SQLException {
        try (PreparedStatement p = connection.prepareStatement("SELECT audited, findings FROM " + Follower.RUNS_TABLE + " WHERE run = ?")) {
            p.setString(1, info.id());
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return info;
                }
                long audited = rs.getLong(1);
                long findings = rs.getLong(2);
                String verdict = (findings == 0 ? "clean" : findings + " finding(s)")
                        + (audited < info.events() ? " so far (follower at seq " + audited + ")" : " (follower)");
                return new RunInfo(info.id(), info.label(), info.started(), info.events(), info.objects(), info.revokes(), verdict);
            }
        }
    }

    @Override
    public Stream<RecordedEvent> read(String id) {
        if (reading) {
            throw new IllegalStateException("one stream at a time: close the previous one first");
        }
        StoreSchema.RunRow row;
        try {
            row = row(id);
        } catch (SQLException e) {
            throw new StoreException("cannot read run " + id + " of " + where + ": " + EventStores.reason(e), e);
        }
        if (row == null) {
            List<String> ids = runs().stream().map(RunInfo::id).toList();
            throw new StoreException(where + " holds no run '" + id + "'"
                    + (ids.isEmpty() ? " (it holds none)" : "; it holds " + Runs.list(ids)));
        }
        reading = true;
        return RunEvents.stream(connection, () -> reading = false, row, serializer, upcaster);
    }

    private StoreSchema.RunRow row(String id) throws SQLException {
        if (layout == StoreSchema.Layout.RUNS) {
            return StoreSchema.findRun(connection, id);
        }
        if (!id.equals(StoreSchema.LEGACY_RUN)) {
            return null;
        }
        long[] range = StoreSchema.legacyRange(connection);
        return new StoreSchema.RunRow(StoreSchema.legacyRun(connection), range[0], range[1], false);
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // read-only: nothing is lost
        }
    }

    /** Lists of run ids in messages. */
    static final class Runs {
        private static final int SHOWN = 10;

        private Runs() {
        }

        static String list(List<String> ids) {
            if (ids.size() <= SHOWN) {
                return String.join(", ", ids);
            }
            return String.join(", ", ids.subList(0, SHOWN)) + " and " + (ids.size() - SHOWN) + " more ('revokefs runs' lists them)";
        }
    }
}
