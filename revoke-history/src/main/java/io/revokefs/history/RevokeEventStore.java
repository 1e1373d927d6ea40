package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A durable event log of revocable objects on Axon Framework event storage. Create one with {@link
 * EventStores}.
 *
 * <p>Each {@link io.revokefs.core.event.RevokeEvent} is stored as an Axon domain event in the
 * aggregate stream of its {@code object} (aggregate type {@value #AGGREGATE_TYPE}, aggregate id =
 * object id, sequence number from 0 per object), so {@link #readObject} is one aggregate read. The
 * log's {@code seq} and {@code t} are stored as message metadata ({@value #SEQ_KEY}, {@value
 * #TIME_KEY}); the global order is the store's global index, which follows {@code seq}.
 *
 * <p>Appending. The store assigns {@code seq}: one more than the last stored (or imported) event,
 * so a reopened store continues where it stopped. {@link #recorder()} makes each event durable
 * before {@code record} returns. {@link #bufferedRecorder(int)} keeps up to {@code maxBatch} events in
 * memory and appends them in one transaction; they become durable at the next full batch, {@link
 * #flush()}, a read, or {@link #close()}. Both kinds share the store's one sequence and buffer, so
 * their events stay in {@code seq} order whatever the mix. A single process writes to a store.
 *
 * <p>Thread safety: all methods may be called from any thread. Appends are serialized. After
 * {@link #close()}, every method except {@code close} throws {@link IllegalStateException}.
 */
public interface RevokeEventStore extends AutoCloseable {
    /** The Axon aggregate type of every stream. */
    String AGGREGATE_TYPE = "RevocableObject";
    /** Metadata key holding the event's {@code seq} (a long). */
    String SEQ_KEY = "seq";
    /** Metadata key holding the event's {@code t} (nanoseconds, a long). */
    String TIME_KEY = "t";

    /** A recorder whose {@code record} returns after the event is durable. */
    EventRecorder recorder();

    /**
     * A recorder that batches: events are appended in one transaction per {@code maxBatch} events
     * and on {@link #flush()}, a read or {@link #close()}. An event whose {@code record} returned is
     * never dropped by {@code close}; a process that dies loses at most the unflushed batch, and the
     * store keeps a contiguous prefix.
     */
    EventRecorder bufferedRecorder(int maxBatch);

    /** Appends every buffered event, in one transaction. */
    void flush();

    /** The {@code seq} of the last event recorded (buffered or stored), 0 for an empty store. */
    long lastSeq();

    /**
     * Every event in global order, read lazily in batches (bounded memory). Buffered events are
     * flushed first. Close the stream when done.
     */
    Stream<RecordedEvent> readAll();

    /** The events of one object, in seq order (empty if the object is unknown). */
    List<RecordedEvent> readObject(String object);

    /**
     * Appends the events of a JSON-lines log, keeping their {@code seq} and {@code t}. The whole
     * file is validated first: a malformed line throws {@link MalformedLogException} and nothing is
     * stored. The store's sequence then continues after the last imported {@code seq}.
     *
     * @return the number of events imported
     * @throws IllegalStateException if the log's first {@code seq} is not after {@link #lastSeq()}
     */
    long importLog(Path jsonLines) throws IOException;

    /** Flushes buffered events and releases the store (connection pool, files). Idempotent. */
    @Override
    void close();
}
