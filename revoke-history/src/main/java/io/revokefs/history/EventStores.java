package io.revokefs.history;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;

import java.nio.file.Path;
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

    /**
     * A store in the H2 database {@code file} ({@code .mv.db} is appended by H2), created if absent
     * and reopened with its events otherwise. One process at a time may open it.
     */
    public static RevokeEventStore embedded(Path file) {
        Objects.requireNonNull(file, "file");
        // H2 2.x rejects Axon's HSQL DDL; its PostgreSQL mode takes Axon's PostgreSQL DDL (NOTES.md).
        // WRITE_DELAY=0: a commit is written before it returns, so recorder() events are durable.
        String url = "jdbc:h2:file:" + file.toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;WRITE_DELAY=0";
        return AxonEventStore.openJdbc(dataSource(url, "sa", ""));
    }

    /** A store in the PostgreSQL database at {@code url} (e.g. {@code jdbc:postgresql://host/db}). */
    public static RevokeEventStore jdbc(String url, String user, String password) {
        Objects.requireNonNull(url, "url");
        return AxonEventStore.openJdbc(dataSource(url, user, password));
    }

    private static HikariDataSource dataSource(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        // Appends run in an Axon unit of work that commits the attached connection itself.
        config.setAutoCommit(false);
        config.setMaximumPoolSize(4);
        config.setPoolName("revoke-history");
        return new HikariDataSource(config);
    }
}
