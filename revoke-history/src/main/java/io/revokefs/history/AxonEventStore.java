package io.revokefs.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.DataSourceConnectionProvider;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
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
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@link RevokeEventStore}: one run of a store, on an Axon {@link EventStorageEngine}. One lock
 * serializes appends; the buffer and the sequence counters live under it. Events go to the engine
 * in batches, each batch in one Axon unit of work, whose JDBC connection (attached by {@link
 * UnitOfWorkAwareConnectionProviderWrapper}) also updates the run's row and commits when the unit
 * of work does. A batch that fails is reported with its seq range and the store refuses every
 * later append: no event is ever dropped silently, and the run is never continued past a hole.
 */
final class AxonEventStore implements RevokeEventStore {
    private static final Logger LOG = LoggerFactory.getLogger(AxonEventStore.class);
    static final int IMPORT_BATCH = 1_000;

    private final EventStorageEngine engine;
    private final AutoCloseable resource;
    /** The JDBC side (null in memory): the pool and the unit-of-work-aware provider. */
    private final HikariDataSource dataSource;
    private final ConnectionProvider provider;
    private final String run;
    private final String prefix;
    /** A run created by this open: none of its streams exist yet, so no lookup is needed. */
    private final boolean fresh;
    private final long origin = System.nanoTime();

    private final Object lock = new Object();
    // Guarded by lock:
    private final List<DomainEventMessage<RevokeEvent>> buffer = new ArrayList<>();
    private final Map<String, Long> nextObjectSequence = new HashMap<>();
    private long lastSeq;
    private long lastDurableSeq;
    private long objects;
    private long revokes;
    private long durableObjects;
    private long durableRevokes;
    private String failure;
    private boolean closed;
    /** Run on close, after the last flush (H2's SHUTDOWN COMPACT); set once at open. */
    private String shutdown;

    private AxonEventStore(EventStorageEngine engine, AutoCloseable resource, HikariDataSource dataSource,
                           ConnectionProvider provider, StoreSchema.RunRow row, boolean fresh) {
        this.engine = engine;
        this.resource = resource;
        this.dataSource = dataSource;
        this.provider = provider;
        this.run = row.info().id();
        this.prefix = row.prefix();
        this.fresh = fresh;
        this.lastSeq = row.info().events();
        this.lastDurableSeq = lastSeq;
        this.objects = row.info().objects();
        this.revokes = row.info().revokes();
        this.durableObjects = objects;
        this.durableRevokes = revokes;
    }

    static AxonEventStore open(EventStorageEngine engine, AutoCloseable resource) {
        RunInfo info = new RunInfo(RunSpec.DEFAULT_ID, "", java.time.Instant.now(), 0, 0, 0, null);
        return new AxonEventStore(engine, resource, null, null, new StoreSchema.RunRow(info, 1, 0, true), true);
    }

    /**
     * Opens run {@code spec} of the store on {@code dataSource}: creates the tables if missing or
     * migrates a schema-1 store ({@link StoreSchema#createOrMigrate}, with {@code tuning}, statements
     * that adjust the tables for the database at hand), then creates or continues the run.
     */
    static AxonEventStore openJdbc(HikariDataSource dataSource, List<String> tuning, RunSpec spec) {
        return openJdbc(dataSource, tuning, null, spec);
    }

    /** {@link #openJdbc(HikariDataSource, List, RunSpec)}; {@code shutdown}, if not null, is run last by {@link #close()}. */
    static AxonEventStore openJdbc(HikariDataSource dataSource, List<String> tuning, String shutdown, RunSpec spec) {
        try {
            JacksonSerializer serializer = serializer();
            ConnectionProvider provider = new UnitOfWorkAwareConnectionProviderWrapper(new DataSourceConnectionProvider(dataSource));
            JdbcEventStorageEngine engine = JdbcEventStorageEngine.builder()
                    .connectionProvider(provider)
                    .transactionManager(NoTransactionManager.INSTANCE)
                    .eventSerializer(serializer)
                    .snapshotSerializer(serializer)
                    .upcasterChain(new EventUpcasterChain(new SchemaV0Upcaster()))
                    .dataType(byte[].class)
                    .batchSize(IMPORT_BATCH)
                    .build();
            StoreSchema.RunRow row;
            boolean fresh;
            try (Connection c = dataSource.getConnection()) {
                StoreSchema.createOrMigrate(c, tuning);
                StoreSchema.RunRow existing = StoreSchema.findRun(c, spec.id());
                if (existing != null && spec.mode() == RunSpec.Mode.CONTINUE) {
                    row = existing;
                    fresh = false;
                } else {
                    row = createRun(c, dataSource.getJdbcUrl(), spec, existing != null);
                    fresh = true;
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot open " + dataSource.getJdbcUrl() + ": " + e.getMessage(), e);
            }
            LOG.info("opened run {} of event store {} at seq {}", row.info().id(), dataSource.getJdbcUrl(), row.info().events());
            AxonEventStore store = new AxonEventStore(engine, dataSource, dataSource, provider, row, fresh);
            store.shutdown = shutdown;
            return store;
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    private static StoreSchema.RunRow createRun(Connection c, String where, RunSpec spec, boolean taken) throws SQLException {
        java.time.Instant now = java.time.Instant.now();
        if (spec.mode() == RunSpec.Mode.NEW_UNIQUE) {
            for (int n = 1; n <= 1_000; n++) {
                String id = n == 1 ? spec.id() : spec.id() + "-" + n;
                if (StoreSchema.insertRun(c, id, spec.label(), now)) {
                    return StoreSchema.findRun(c, id);
                }
            }
            throw new StoreException(where + ": runs " + spec.id() + " to " + spec.id() + "-1000 all exist");
        }
        if (taken || !StoreSchema.insertRun(c, spec.id(), spec.label(), now)) {
            throw new StoreException(where + " already holds a run '" + spec.id() + "': name another");
        }
        return StoreSchema.findRun(c, spec.id());
    }

    static JacksonSerializer serializer() {
        ObjectMapper mapper = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL);
        return JacksonSerializer.builder()
                .objectMapper(mapper)
                .revisionResolver(new FixedValueRevisionResolver(SchemaV0Upcaster.REVISION_1))
                .build();
    }

    @Override
    public String run() {
        return run;
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
            count(event);
            if (buffer.size() >= maxBatch) {
                flushLocked();
            }
            return seq;
        }
    }

    private void count(RevokeEvent event) {
        if (event instanceof RevokeEvent.ObjectRegistered) {
            objects++;
        } else if (event instanceof RevokeEvent.RevokeStarted) {
            revokes++;
        }
    }

    private DomainEventMessage<RevokeEvent> message(RecordedEvent e) {
        String aggregate = StoreSchema.aggregateId(prefix, e.object());
        long objectSequence = nextObjectSequence.computeIfAbsent(aggregate,
                a -> fresh ? 0L : engine.lastSequenceNumberFor(a).map(n -> n + 1).orElse(0L));
        nextObjectSequence.put(aggregate, objectSequence + 1);
        return new GenericDomainEventMessage<>(AGGREGATE_TYPE, aggregate, objectSequence, e.event(),
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
        appendBatch(batch);
    }

    /** Appends {@code batch} and updates the run's row, in one transaction; a failure fails the store. */
    private void appendBatch(List<DomainEventMessage<RevokeEvent>> batch) {
        long batchLastSeq = ((Number) batch.get(batch.size() - 1).getMetaData().get(SEQ_KEY)).longValue();
        try {
            DefaultUnitOfWork.startAndGet(null).execute(() -> {
                engine.appendEvents(batch);
                if (provider != null) {
                    DomainEventMessage<?> first = batch.get(0);
                    DomainEventMessage<?> last = batch.get(batch.size() - 1);
                    try {
                        StoreSchema.recordBatch(provider.getConnection(), run, lastDurableSeq, batchLastSeq, objects, revokes,
                                first.getAggregateIdentifier(), first.getSequenceNumber(),
                                last.getAggregateIdentifier(), last.getSequenceNumber());
                    } catch (SQLException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                }
            });
            lastDurableSeq = batchLastSeq;
            durableObjects = objects;
            durableRevokes = revokes;
        } catch (RuntimeException e) {
            // Nothing of the batch is stored (one transaction). The events after the last durable
            // one are named, and the store takes no more: continuing would leave a hole in seq.
            failure = "events seq " + (lastDurableSeq + 1) + ".." + lastSeq + " of run " + run
                    + " were not stored: " + rootMessage(e);
            throw new IllegalStateException("cannot store " + failure, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
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
        if (dataSource == null) {
            return engine.readEvents(null, false).map(AxonEventStore::toRecorded);
        }
        Connection c = null;
        try {
            c = dataSource.getConnection();
            StoreSchema.RunRow row = StoreSchema.findRun(c, run);
            Connection held = c;
            return RunEvents.stream(c, () -> closeQuietly(held), row, serializer(), new EventUpcasterChain(new SchemaV0Upcaster()));
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw new IllegalStateException("cannot read run " + run + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.warn("closing a read connection failed: {}", e.getMessage());
            }
        }
    }

    @Override
    public List<RecordedEvent> readObject(String object) {
        flush();
        return engine.readEvents(StoreSchema.aggregateId(prefix, object)).asStream().map(AxonEventStore::toRecorded).toList();
    }

    @Override
    public void recordVerdict(String verdict) {
        synchronized (lock) {
            checkOpen();
            if (dataSource == null) {
                return;
            }
            try (Connection c = dataSource.getConnection()) {
                StoreSchema.setVerdict(c, run, verdict);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot record the verdict of run " + run + ": " + e.getMessage(), e);
            }
        }
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
                    count(e.event());
                    if (batch.size() == IMPORT_BATCH || !reader.hasNext()) {
                        List<DomainEventMessage<RevokeEvent>> toAppend = List.copyOf(batch);
                        batch.clear();
                        appendBatch(toAppend);
                    }
                }
                LOG.info("imported {} events from {} into run {}", n, jsonLines, run);
                return n;
            }
        }
    }

    /**
     * Runs {@link #shutdown} unless another pool of this JVM has the database open too (H2 shares
     * an open file database between the connections of one JVM: a shutdown would close it under
     * the other store).
     */
    private void runShutdown() {
        try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            int ours = dataSource.getHikariPoolMXBean().getTotalConnections();
            try (java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.sessions")) {
                if (rs.next() && rs.getInt(1) > ours) {
                    LOG.info("not compacting {}: another store of this JVM has it open", dataSource.getJdbcUrl());
                    return;
                }
            }
            s.execute(shutdown);
        } catch (SQLException e) {
            // H2 ends the session it shut down with "database is already closed" (90121).
            if (e.getErrorCode() != 90121) {
                LOG.warn("{} on {} failed: {}", shutdown, dataSource.getJdbcUrl(), e.getMessage());
            }
        }
    }

    static RecordedEvent toRecorded(EventMessage<?> m) {
        Object seq = m.getMetaData().get(SEQ_KEY);
        Object t = m.getMetaData().get(TIME_KEY);
        if (!(seq instanceof Number) || !(m.getPayload() instanceof RevokeEvent event)) {
            throw new IllegalStateException("stored event " + m.getIdentifier()
                    + " is not a revoke event with a seq (payload " + m.getPayloadType().getName() + ")");
        }
        return new RecordedEvent(((Number) seq).longValue(), t instanceof Number n ? n.longValue() : 0, event);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("event store is closed");
        }
        if (failure != null) {
            throw new IllegalStateException("the store failed earlier: " + failure);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                if (failure == null) {
                    flushLocked();
                }
            } finally {
                closed = true;
                if (shutdown != null) {
                    runShutdown();
                }
                try {
                    resource.close();
                } catch (Exception e) {
                    LOG.warn("closing the event store's resources failed", e);
                }
            }
        }
    }
}
