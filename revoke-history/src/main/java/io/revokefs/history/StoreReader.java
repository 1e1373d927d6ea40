package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;

import java.util.List;
import java.util.stream.Stream;

/**
 * A store opened to read: its runs and their events. Opening one never changes the store: no
 * table is created or altered, the connection is read-only, and a store that does not exist or is
 * not a revokefs store is a {@link StoreException} (see {@link EventStores#readEmbedded} and {@link
 * EventStores#readJdbc}).
 */
public interface StoreReader extends AutoCloseable {
    /** Where the store is (a file or a URL), for messages. */
    String where();

    /** Every run, oldest first; a schema-1 store has one, {@code legacy}. */
    List<RunInfo> runs();

    /**
     * The events of run {@code id} in seq order, read lazily in pages. Close the stream when done.
     *
     * @throws StoreException if the store holds no run {@code id} (the message lists those it holds)
     */
    Stream<RecordedEvent> read(String id);

    /**
     * The one run to read when none is named: the only run of the store.
     *
     * @throws StoreException if the store holds no run, or several (the message lists them)
     */
    default String onlyRun() {
        List<RunInfo> runs = runs();
        if (runs.size() == 1) {
            return runs.get(0).id();
        }
        if (runs.isEmpty()) {
            throw new StoreException(where() + " holds no run");
        }
        throw new StoreException(where() + " holds " + runs.size() + " runs: name one with --run ("
                + JdbcStoreReader.Runs.list(runs.stream().map(RunInfo::id).toList()) + ")");
    }

    @Override
    void close();
}
