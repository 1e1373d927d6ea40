package io.revokefs.history;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;

import java.nio.file.Path;
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
 * JDBC stores create their tables if missing and pool connections (HikariCP).
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

    /**
     * A store in the H2 database {@code file} ({@code .mv.db} is appended by H2), created if absent
     * and reopened with its events otherwise. One process at a time may open it.
     */
    public static RevokeEventStore embedded(Path file, Durability durability) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(durability, "durability");
        // H2 2.x rejects Axon's HSQL DDL; its PostgreSQL mode takes Axon's PostgreSQL DDL (NOTES.md).
        String url = "jdbc:h2:file:" + file.toAbsolutePath() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE"
                + (durability == Durability.COMMIT ? ";WRITE_DELAY=0" : "");
        return AxonEventStore.openJdbc(dataSource(url, "sa", ""), List.of(H2_GLOBAL_INDEX_CACHE));
    }

    /** A store in the PostgreSQL database at {@code url} (e.g. {@code jdbc:postgresql://host/db}). */
    public static RevokeEventStore jdbc(String url, String user, String password) {
        Objects.requireNonNull(url, "url");
        return AxonEventStore.openJdbc(dataSource(url, user, password), List.of());
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

    private static HikariDataSource dataSource(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        // Appends run in an Axon unit of work that commits the attached connection itself.
        config.setAutoCommit(false);
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
