package io.revokefs.history;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * Opens a {@link RevokeEventStore}. Nothing here talks to an Axon Server: the stores are built from
 * Axon's storage engines directly, without an Axon configuration.
 *
 * <ul>
 *   <li>{@link #inMemory()}: Axon's {@code InMemoryEventStorageEngine}, for tests;</li>
 *   <li>{@link #embedded(Path)}: Axon's {@code JdbcEventStorageEngine} on an H2 file database, the
 *       default for a durable log on one machine;</li>
 *   <li>{@link #jdbc(String, String, String)}: the same engine on PostgreSQL (any JDBC URL whose
 *       database speaks PostgreSQL's dialect).</li>
 * </ul>
 * A store holds any number of runs: the writers open one run ({@link RunSpec}); {@link
 * #readEmbedded} and {@link #readJdbc} open a store to read its runs, read-only. Writers create the
 * tables if missing (or migrate a schema-1 store once, {@link StoreSchema}) and pool connections
 * (HikariCP); readers never change a store.
 */
public final class EventStores {
    private EventStores() {
    }

    /** A store that lives in this JVM only. */
    public static RevokeEventStore inMemory() {
        return AxonEventStore.open(new InMemoryEventStorageEngine(), () -> { });
    }

    /** How an embedded store trades append speed for durability. */
    public enum Durability {
        /**
         * Each commit is written to the file before it returns ({@code WRITE_DELAY=0}): an event
         * whose append returned survives the death of the process. H2 does not fsync each commit,
         * so a power loss may still lose the last ones.
         */
        COMMIT,
        /**
         * H2's default: commits are written by a background thread within 500 ms. Faster appends:
         * about ten times unbuffered, about 2.6 times in batches of 100 (docs/events.md section 3);
         * a killed process loses up to the last half second of events, and the store still reopens
         * to a contiguous prefix of whole batches.
         */
        DELAYED
    }

    /** {@link #embedded(Path, Durability) embedded(file, Durability.COMMIT)}. */
    public static RevokeEventStore embedded(Path file) {
        return embedded(file, Durability.COMMIT);
    }

    /** {@link #embedded(Path, Durability, RunSpec)} of the default run, created or continued. */
    public static RevokeEventStore embedded(Path file, Durability durability) {
        return embedded(file, durability, RunSpec.continuing());
    }

    /**
     * Run {@code run} of the store in the H2 database {@code file} ({@code .mv.db} is appended by
     * H2), created if absent. One process at a time may open the file.
     */
    public static RevokeEventStore embedded(Path file, Durability durability, RunSpec run) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(run, "run");
        String url = h2Url(file) + (durability == Durability.COMMIT ? ";WRITE_DELAY=0" : "");
        return AxonEventStore.openJdbc(dataSource(url, "sa", "", false), List.of(H2_GLOBAL_INDEX_CACHE), H2_SHUTDOWN, run);
    }

    /** {@link #jdbc(String, String, String, RunSpec)} of the default run, created or continued. */
    public static RevokeEventStore jdbc(String url, String user, String password) {
        return jdbc(url, user, password, RunSpec.continuing());
    }

    /** Run {@code run} of the store in the PostgreSQL database at {@code url} (e.g. {@code jdbc:postgresql://host/db}). */
    public static RevokeEventStore jdbc(String url, String user, String password, RunSpec run) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(run, "run");
        return AxonEventStore.openJdbc(dataSource(url, user, password, false), List.of(), run);
    }

    /**
     * The H2 store {@code file} ({@code file.mv.db}), opened read-only: the file must exist and be
     * a revokefs store (an empty or foreign file is a {@link StoreException}); nothing is written
     * to it, so a read-only file can be read and a damaged one is left as it is.
     */
    public static StoreReader readEmbedded(Path file) {
        Objects.requireNonNull(file, "file");
        Path data = Path.of(file + ".mv.db");
        if (!Files.isRegularFile(data)) {
            throw new StoreException(data + ": no such store");
        }
        try {
            if (Files.size(data) == 0) {
                throw new StoreException(data + " is empty: not a revokefs store");
            }
        } catch (IOException e) {
            throw new StoreException("cannot read " + data + ": " + e.getMessage(), e);
        }
        return readOnly(h2Url(file) + READ_ONLY_H2, "sa", "", data.toString());
    }

    /**
     * The store at {@code url}, opened read-only (a read-only connection, no DDL). For an H2 URL
     * ({@code jdbc:h2:...}) the database must exist: a mistyped file name is a {@link
     * StoreException}, never a new empty store.
     */
    public static StoreReader readJdbc(String url, String user, String password) {
        Objects.requireNonNull(url, "url");
        String readUrl = url.startsWith("jdbc:h2:") ? url + READ_ONLY_H2 : url;
        return readOnly(readUrl, user, password, url);
    }

    /**
     * H2 options of every read: open only an existing database ({@code IFEXISTS}), read-only
     * ({@code ACCESS_MODE_DATA=r}), and no trace file beside it.
     */
    private static final String READ_ONLY_H2 = ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r";

    private static StoreReader readOnly(String url, String user, String password, String where) {
        Connection c;
        try {
            c = DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            throw new StoreException("cannot open the store " + where + ": " + reason(e), e);
        }
        return JdbcStoreReader.open(c, where);
    }

    /**
     * Why a connection failed, in one line: the innermost cause's message (H2 wraps the one that
     * says what is wrong with the file in an "IO Exception: PATH"), without H2's trailing error code
     * and version ({@code [90028-232]}) or a Java class name.
     */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = message.indexOf('\n');
        if (nl >= 0) {
            message = message.substring(0, nl);
        }
        return message.replaceAll("\\s*\\[\\d+-\\d+]$", "").replaceAll("^[\\w.]+(Exception|Error): ", "").trim();
    }

    /**
     * H2 2.x rejects Axon's HSQL DDL; its PostgreSQL mode takes Axon's PostgreSQL DDL (measured with
     * the H2 and Axon versions this project uses).
     * {@code TRACE_LEVEL_FILE=0}: H2 writes no {@code .trace.db} beside the store (and does not print
     * its own stack trace when it cannot).
     */
    static String h2Url(Path file) {
        return "jdbc:h2:file:" + file.toAbsolutePath() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;TRACE_LEVEL_FILE=0";
    }

    /**
     * H2 takes the identity values of {@code globalIndex} from a sequence that it writes to the file,
     * in a commit of its own, every time its cache of values is used up: with the default cache of
     * 32 and {@code WRITE_DELAY=0}, a batch of 100 events cost four writes of the store instead of
     * one (docs/performance.md, target 5). A cache of 1,000 makes that one extra write per 1,000
     * events. The price: a process killed mid-run leaves a gap of up to 1,000 in {@code globalIndex}
     * (not in {@code seq}), which Axon's gap-aware reads skip. Run at every open, so stores created
     * before it get it too.
     */
    static final String H2_GLOBAL_INDEX_CACHE = "ALTER TABLE domainevententry ALTER COLUMN globalindex SET CACHE 1000";

    /**
     * Run when an embedded store closes. H2's MVStore appends each commit as a new chunk and
     * reuses the space of old ones only later, so a store written in many small commits holds
     * mostly dead chunks: 14x its JSON-lines log for a 60,000-event run. {@code SHUTDOWN COMPACT}
     * rewrites the live pages (1.4x the log, docs/performance.md section "Store size"); a process
     * killed before it leaves the file uncompacted, and the next writer's close compacts it.
     */
    static final String H2_SHUTDOWN = "SHUTDOWN COMPACT";

    /** A pool on {@code url}; appends commit through Axon's unit of work, so not auto-commit by default. */
    static HikariDataSource dataSource(String url, String user, String password, boolean autoCommit) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        // Appends run in an Axon unit of work that commits the attached connection itself.
        config.setAutoCommit(autoCommit);
        config.setMaximumPoolSize(4);
        config.setPoolName("revoke-history");
        if (url.startsWith("jdbc:postgresql:")) {
            // Axon appends a batch as one JDBC batch of single-row INSERTs; the driver may send it as
            // multi-row INSERTs instead (about 17% more appends/s, docs/performance.md target 5). A
            // setting in the URL wins over this one.
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
        }
        return new HikariDataSource(config);
    }
}
