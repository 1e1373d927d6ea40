package io.revokefs.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import org.axonframework.common.jdbc.DataSourceConnectionProvider;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.serialization.FixedValueRevisionResolver;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * {@link RevokeEventStore} on an Axon {@link EventStorageEngine}. One lock serializes appends; the
 * buffer and the sequence counters live under it. Events go to the engine in batches, each batch in
 * one Axon unit of work, whose JDBC connection (attached by {@link
 * UnitOfWorkAwareConnectionProviderWrapper}) commits when the unit of work does.
 */
final class AxonEventStore implements RevokeEventStore {
    private static final Logger LOG = LoggerFactory.getLogger(AxonEventStore.class);
    static final int IMPORT_BATCH = 1_000;

    private final EventStorageEngine engine;
    private final AutoCloseable resource;
    private final long origin = System.nanoTime();

    private final Object lock = new Object();
    // Guarded by lock:
    private final List<DomainEventMessage<RevokeEvent>> buffer = new ArrayList<>();
    private final Map<String, Long> nextObjectSequence = new HashMap<>();
    private long lastSeq;
    private long lastDurableSeq;
    private boolean closed;

    private AxonEventStore(EventStorageEngine engine, AutoCloseable resource, long lastSeq) {
        this.engine = engine;
        this.resource = resource;
        this.lastSeq = lastSeq;
        this.lastDurableSeq = lastSeq;
    }

    static AxonEventStore open(EventStorageEngine engine, AutoCloseable resource) {
        return new AxonEventStore(engine, resource, 0);
    }

    /**
     * Opens a store on {@code dataSource}, creating the tables if missing, then runs {@code tuning}
     * (statements that adjust the tables for the database at hand) in one committed transaction.
     */
    static AxonEventStore openJdbc(HikariDataSource dataSource, List<String> tuning) {
        try {
            JacksonSerializer serializer = serializer();
            JdbcEventStorageEngine engine = JdbcEventStorageEngine.builder()
                    .connectionProvider(new UnitOfWorkAwareConnectionProviderWrapper(
                            new DataSourceConnectionProvider(dataSource)))
                    .transactionManager(NoTransactionManager.INSTANCE)
                    .eventSerializer(serializer)
                    .snapshotSerializer(serializer)
                    .upcasterChain(new EventUpcasterChain(new SchemaV0Upcaster()))
                    .dataType(byte[].class)
                    .batchSize(IMPORT_BATCH)
                    .build();
            if (!tableExists(dataSource)) {
                // Inside a unit of work so that the DDL is committed: the pool does not auto-commit,
                // and PostgreSQL (unlike H2) rolls back DDL that is never committed.
                DefaultUnitOfWork.startAndGet(null).execute(() -> engine.createSchema(PostgresEventTableFactory.INSTANCE));
                LOG.info("created event tables in {}", dataSource.getJdbcUrl());
            }
            tune(dataSource, tuning);
            long last = lastStoredSeq(engine);
            LOG.info("opened event store {} at seq {}", dataSource.getJdbcUrl(), last);
            return new AxonEventStore(engine, dataSource, last);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    static JacksonSerializer serializer() {
        ObjectMapper mapper = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                // Payloads are read by the JSON-lines codec's rules (issue 18 point 10).
                .registerModule(EventCodec.storePayloads());
        return JacksonSerializer.builder()
                .objectMapper(mapper)
                .revisionResolver(new FixedValueRevisionResolver(SchemaV0Upcaster.REVISION_1))
                .build();
    }

    private static boolean tableExists(HikariDataSource dataSource) {
        try (Connection c = dataSource.getConnection();
             ResultSet rs = c.getMetaData().getTables(null, null, "domainevententry", null)) {
            return rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot inspect " + dataSource.getJdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    private static void tune(HikariDataSource dataSource, List<String> statements) {
        if (statements.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tune the event tables of " + dataSource.getJdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** The seq of the event with the highest global index, 0 if none. */
    private static long lastStoredSeq(EventStorageEngine engine) {
        TrackingToken head = engine.createHeadToken();
        OptionalLong position = head == null ? OptionalLong.empty() : head.position();
        if (position.isEmpty() || position.getAsLong() < 0) {
            return 0;
        }
        TrackingToken before = GapAwareTrackingToken.newInstance(position.getAsLong() - 1, Collections.emptySet());
        try (Stream<? extends EventMessage<?>> s = engine.readEvents(before, false)) {
            return s.map(AxonEventStore::toRecorded).reduce((a, b) -> b).map(RecordedEvent::seq).orElse(0L);
        }
    }

    @Override
    public EventRecorder recorder() {
        return event -> append(event, 1);
    }

    @Override
    public EventRecorder bufferedRecorder(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        return event -> append(event, maxBatch);
    }

    private long append(RevokeEvent event, int maxBatch) {
        synchronized (lock) {
            checkOpen();
            long seq = lastSeq + 1;
            buffer.add(message(new RecordedEvent(seq, System.nanoTime() - origin, event)));
            lastSeq = seq;
            if (buffer.size() >= maxBatch) {
                flushLocked();
            }
            return seq;
        }
    }

    private DomainEventMessage<RevokeEvent> message(RecordedEvent e) {
        String object = e.object();
        long objectSequence = nextObjectSequence.computeIfAbsent(object,
                o -> engine.lastSequenceNumberFor(o).map(n -> n + 1).orElse(0L));
        nextObjectSequence.put(object, objectSequence + 1);
        return new GenericDomainEventMessage<>(AGGREGATE_TYPE, object, objectSequence, e.event(),
                MetaData.with(SEQ_KEY, e.seq()).and(TIME_KEY, e.timeNanos()));
    }

    @Override
    public void flush() {
        synchronized (lock) {
            checkOpen();
            flushLocked();
        }
    }

    private void flushLocked() {
        if (buffer.isEmpty()) {
            return;
        }
        List<DomainEventMessage<RevokeEvent>> batch = List.copyOf(buffer);
        buffer.clear();
        try {
            DefaultUnitOfWork.startAndGet(null).execute(() -> engine.appendEvents(batch));
            lastDurableSeq = lastSeq;
        } catch (RuntimeException e) {
            // The batch is not stored: rewind so that the next event takes the first lost seq.
            lastSeq = lastDurableSeq;
            nextObjectSequence.clear();
            throw new IllegalStateException("cannot store events seq " + batch.get(0).getMetaData().get(SEQ_KEY)
                    + ".." + batch.get(batch.size() - 1).getMetaData().get(SEQ_KEY) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long lastSeq() {
        synchronized (lock) {
            checkOpen();
            return lastSeq;
        }
    }

    @Override
    public Stream<RecordedEvent> readAll() {
        flush();
        return engine.readEvents(null, false).map(AxonEventStore::toRecorded);
    }

    @Override
    public List<RecordedEvent> readObject(String object) {
        flush();
        return engine.readEvents(object).asStream().map(AxonEventStore::toRecorded).toList();
    }

    @Override
    public long importLog(Path jsonLines) throws IOException {
        long count = JsonLines.validate(jsonLines);
        if (count == 0) {
            return 0;
        }
        synchronized (lock) {
            checkOpen();
            flushLocked();
            try (JsonLines.LogReader reader = JsonLines.open(jsonLines)) {
                List<DomainEventMessage<RevokeEvent>> batch = new ArrayList<>(IMPORT_BATCH);
                long n = 0;
                while (reader.hasNext()) {
                    RecordedEvent e = reader.next();
                    if (n == 0 && e.seq() <= lastSeq) {
                        throw new IllegalStateException("cannot import " + jsonLines + ": its first seq "
                                + e.seq() + " is not after the store's last seq " + lastSeq);
                    }
                    batch.add(message(e));
                    n++;
                    lastSeq = e.seq();
                    if (batch.size() == IMPORT_BATCH || !reader.hasNext()) {
                        List<DomainEventMessage<RevokeEvent>> toAppend = List.copyOf(batch);
                        batch.clear();
                        DefaultUnitOfWork.startAndGet(null).execute(() -> engine.appendEvents(toAppend));
                        lastDurableSeq = lastSeq;
                    }
                }
                LOG.info("imported {} events from {}", n, jsonLines);
                return n;
            } catch (RuntimeException e) {
                // Batches already committed stay; the sequence continues after the last of them.
                lastSeq = lastDurableSeq;
                nextObjectSequence.clear();
                throw e;
            }
        }
    }

    static RecordedEvent toRecorded(EventMessage<?> m) {
        Object seq = m.getMetaData().get(SEQ_KEY);
        Object t = m.getMetaData().get(TIME_KEY);
        Object payload;
        try {
            payload = m.getPayload();
        } catch (RuntimeException e) {
            // EventCodec refused the payload: name the stored event as a log names its line.
            Throwable refused = e;
            while (!(refused instanceof IllegalArgumentException) && refused.getCause() != null) {
                refused = refused.getCause();
            }
            throw new IllegalStateException("stored event " + (seq instanceof Number ? "seq " + seq : m.getIdentifier())
                    + ": " + refused.getMessage(), e);
        }
        if (!(seq instanceof Number) || !(payload instanceof RevokeEvent event)) {
            throw new IllegalStateException("stored event " + m.getIdentifier()
                    + " is not a revoke event with a seq (payload " + m.getPayloadType().getName() + ")");
        }
        return new RecordedEvent(((Number) seq).longValue(), t instanceof Number n ? n.longValue() : 0, event);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("event store is closed");
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                flushLocked();
            } finally {
                closed = true;
                try {
                    resource.close();
                } catch (Exception e) {
                    LOG.warn("closing the event store's resources failed", e);
                }
            }
        }
    }
}
