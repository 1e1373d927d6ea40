package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * One run of a durable event log of revocable objects on Axon Framework event storage, open to
 * write. Create one with {@link EventStores}; a store holds any number of runs ({@link RunSpec}
 * names the one to write, {@link StoreReader} reads them all).
 *
 * <p>Each {@link io.revokefs.core.event.RevokeEvent} is stored as an Axon domain event in the
 * aggregate stream of its {@code object} in this run (aggregate type {@value #AGGREGATE_TYPE},
 * aggregate id {@code RUN/OBJECT}, or {@code RUN/#SHA-256(OBJECT)} for an id too long for Axon's
 * column; sequence number from 0 per object), so {@link #readObject} is one aggregate read and the
 * same object id in two runs makes two streams. The log's {@code seq} and {@code t} are stored as
 * message metadata ({@value #SEQ_KEY}, {@value #TIME_KEY}); the run's order is the store's global
 * index, which follows {@code seq} (runs written at the same time interleave in it).
 *
 * <p>Appending. The store assigns {@code seq}: one more than the run's last stored (or imported)
 * event, from 1 in a new run, so a continued run goes on where it stopped. {@link #recorder()} makes each event durable
 * before {@code record} returns. {@link #bufferedRecorder(int)} keeps up to {@code maxBatch} events in
 * memory and appends them in one transaction; they become durable at the next full batch, {@link
 * #flush()}, a read, or {@link #close()}. Both kinds share the store's one sequence and buffer, so
 * their events stay in {@code seq} order whatever the mix. One process writes to a run; many may
 * write to one PostgreSQL store, each its own run. A batch that cannot be stored fails the store:
 * the exception names the seqs not stored, and every later append throws.
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

    /** The id of the run this store writes. */
    String run();

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

    /** The {@code seq} of the run's last event recorded (buffered or stored), 0 for an empty run. */
    long lastSeq();

    /**
     * Every event of the run in seq order, read lazily in batches (bounded memory). Buffered events are
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

    /**
     * Records the run's audit verdict ({@code clean}, {@code N finding(s)}) for {@code revokefs runs};
     * nothing in memory.
     */
    void recordVerdict(String verdict);

    /** Flushes buffered events and releases the store (connection pool, files). Idempotent. */
    @Override
    void close();
}
