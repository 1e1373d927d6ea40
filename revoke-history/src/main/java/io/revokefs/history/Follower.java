package io.revokefs.history;

import com.zaxxer.hikari.HikariDataSource;
import io.revokefs.core.event.RecordedEvent;
import org.axonframework.common.jdbc.DataSourceConnectionProvider;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.PostgresTokenTableFactory;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Audits every run of a JDBC store as its events are committed ({@code revokefs audit --follow}).
 *
 * <p>An Axon {@link TrackingEventProcessor} (named {@value #PROCESSOR}) reads the store's global
 * stream through an {@link EmbeddedEventStore} over the {@link JdbcEventStorageEngine}, with a
 * {@code GapAwareTrackingToken}: an index that is missing because its transaction has not committed
 * yet (writers commit out of index order) is kept as a gap and read when it commits, or dropped
 * after the engine's gap timeout if it never does (a rolled-back or killed writer). Its token lives
 * in Axon's {@link JdbcTokenStore} ({@code tokenentry}) in the same database.
 *
 * <p>Each event goes to the {@link Auditor} of its run (the run is the prefix of its aggregate
 * id). Each batch of the processor is one database transaction ({@link JdbcTransactions}) holding
 * the new token, the findings of the batch ({@value #FINDINGS_TABLE}) and, per run touched, the last
 * seq audited and its finding count ({@value #RUNS_TABLE}): they commit together or not at all. So
 * a follower killed at any moment and started again resumes at the token of its last commit: an
 * event before it was audited and its findings recorded exactly once, an event after it is audited
 * next. A run's auditor is rebuilt on restart (or after eviction) by reading the run's events up
 * to its last audited seq again, without reporting. Findings are handed to the sink after their
 * transaction commits. The end-of-run check ({@link Auditor#finish()}: revokes never completed) is
 * not made, since a run being followed may still be writing; {@code revokefs audit --run} makes it.
 */
public final class Follower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
    static final String PROCESSOR = "revokefs-audit";
    static final String RUNS_TABLE = "revokefs_follow_runs";
    static final String FINDINGS_TABLE = "revokefs_follow_findings";
    /** Auditors kept in memory; a run evicted is rebuilt from the store when more of it arrives. */
    private static final int KEPT_RUNS = 64;

    /** A finding of run {@code run}. */
    public record RunFinding(String run, Auditor.Finding finding) {
        public RunFinding {
            Objects.requireNonNull(run, "run");
            Objects.requireNonNull(finding, "finding");
        }
    }

    private final HikariDataSource dataSource;
    private final JdbcTransactions transactions;
    private final EmbeddedEventStore eventStore;
    private final TrackingEventProcessor processor;
    private final Consumer<RunFinding> sink;
    private final String where;
    private final Map<String, RunAudit> runs = new LinkedHashMap<>(16, 0.75f, true);
    private long audited;

    private Follower(HikariDataSource dataSource, Consumer<RunFinding> sink, int batchSize) {
        this.dataSource = dataSource;
        this.sink = sink;
        this.where = dataSource.getJdbcUrl();
        this.transactions = new JdbcTransactions(dataSource);
        JdbcEventStorageEngine engine = JdbcEventStorageEngine.builder()
                .connectionProvider(new DataSourceConnectionProvider(dataSource))
                .transactionManager(NoTransactionManager.INSTANCE)
                .eventSerializer(AxonEventStore.serializer())
                .snapshotSerializer(AxonEventStore.serializer())
                .upcasterChain(new EventUpcasterChain(new SchemaV0Upcaster()))
                .dataType(byte[].class)
                .build();
        this.eventStore = EmbeddedEventStore.builder().storageEngine(engine).build();
        JdbcTokenStore tokens = JdbcTokenStore.builder()
                .connectionProvider(transactions)
                .serializer(AxonEventStore.serializer())
                .schema(TokenSchema.builder().build())
                .contentType(byte[].class)
                .claimTimeout(Duration.ofSeconds(10))
                .nodeId(nodeId())
                .build();
        createTables(tokens);
        this.processor = TrackingEventProcessor.builder()
                .name(PROCESSOR)
                .eventHandlerInvoker(SimpleEventHandlerInvoker.builder()
                        .eventHandlers(new Handler())
                        .listenerInvocationErrorHandler(PropagatingErrorHandler.INSTANCE)
                        .build())
                .errorHandler(PropagatingErrorHandler.INSTANCE)
                .messageSource(eventStore)
                .tokenStore(tokens)
                .transactionManager(transactions)
                .trackingEventProcessorConfiguration(TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                        .andBatchSize(batchSize)
                        .andInitialTrackingToken(source -> source.createTailToken())
                        .andTokenClaimInterval(500, java.util.concurrent.TimeUnit.MILLISECONDS))
                .build();
    }

    /**
     * Starts following the store at {@code url} (user and password as for {@link
     * EventStores#jdbc}): creates the token and follower tables if missing, then audits from the
     * processor's token (the beginning, the first time) onwards in the background. Findings go to
     * {@code sink}, from the processor's thread, each once.
     */
    public static Follower start(String url, String user, String password, int batchSize, Consumer<RunFinding> sink) {
        Objects.requireNonNull(sink, "sink");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        HikariDataSource ds = EventStores.dataSource(url, user, password, true);
        try {
            try (Connection c = ds.getConnection()) {
                if (StoreSchema.layout(c) == StoreSchema.Layout.EMPTY) {
                    throw new StoreException(url + " is not a revokefs store (it has no event table)");
                }
            }
            Follower f = new Follower(ds, sink, batchSize);
            f.processor.start();
            LOG.info("following {}", url);
            return f;
        } catch (SQLException e) {
            ds.close();
            throw new StoreException("cannot follow " + url + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    private static String nodeId() {
        try {
            return PROCESSOR + "@" + InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return PROCESSOR + "@localhost";
        }
    }

    private void createTables(JdbcTokenStore tokens) {
        transactions.executeInTransaction(() -> {
            try (Connection c = transactions.getConnection(); Statement s = c.createStatement()) {
                if (StoreSchema.isPostgres(c)) {
                    s.execute("SELECT pg_advisory_xact_lock(" + 0x666f6c6c6f77L + ")"); // "follow"
                }
                if (!StoreSchema.tableExists(c, "tokenentry")) {
                    tokens.createSchema(PostgresTokenTableFactory.INSTANCE);
                }
                if (!StoreSchema.tableExists(c, RUNS_TABLE)) {
                    s.execute("CREATE TABLE " + RUNS_TABLE + " (run VARCHAR(" + RunSpec.MAX_ID + ") NOT NULL PRIMARY KEY,"
                            + " audited BIGINT NOT NULL, findings BIGINT NOT NULL)");
                }
                if (!StoreSchema.tableExists(c, FINDINGS_TABLE)) {
                    s.execute("CREATE TABLE " + FINDINGS_TABLE + " (run VARCHAR(" + RunSpec.MAX_ID + ") NOT NULL,"
                            + " seq BIGINT NOT NULL, invariant VARCHAR(64) NOT NULL, object VARCHAR(100000) NOT NULL,"
                            + " message VARCHAR(100000) NOT NULL)");
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the follower's tables in " + where + ": " + e.getMessage(), e);
            }
        });
    }

    /** The global index up to which the processor has audited (its token), if it has one yet. */
    public OptionalLong position() {
        Map<Integer, EventTrackerStatus> status = processor.processingStatus();
        for (EventTrackerStatus s : status.values()) {
            if (s.getCurrentPosition().isPresent()) {
                return s.getCurrentPosition();
            }
        }
        return OptionalLong.empty();
    }

    /** Events audited by this follower since it started (not counting rebuilt ones). */
    public synchronized long audited() {
        return audited;
    }

    /** Whether the processor stopped on an error it cannot get past. */
    public boolean failed() {
        return processor.isError();
    }

    /** Stops the processor (releasing its claim) and the pool. */
    @Override
    public void close() {
        try {
            processor.shutDown();
            eventStore.shutDown();
        } finally {
            dataSource.close();
        }
    }

    /** The audit of one run, as committed plus the current batch. */
    private static final class RunAudit {
        final Auditor auditor;
        final List<Auditor.Finding> pending = new ArrayList<>();
        long lastSeq;
        long findings;
        boolean rebuilding;

        RunAudit() {
            this.auditor = new Auditor(f -> {
                if (!rebuilding) {
                    pending.add(f);
                }
            });
        }
    }

    /** The current batch: the runs it touched. */
    private static final class Batch {
        final Set<String> runs = new LinkedHashSet<>();
    }

    private final class Handler implements EventMessageHandler {
        @Override
        public Object handle(EventMessage<?> event) throws Exception {
            if (!(event instanceof DomainEventMessage<?> d) || !RevokeEventStore.AGGREGATE_TYPE.equals(d.getType())) {
                return null;
            }
            String aggregate = d.getAggregateIdentifier();
            int slash = aggregate.indexOf('/');
            String run = slash > 0 && RunSpec.problem(aggregate.substring(0, slash)) == null
                    && !aggregate.substring(0, slash).contains(":") ? aggregate.substring(0, slash) : StoreSchema.LEGACY_RUN;
            RecordedEvent recorded = AxonEventStore.toRecorded(event);
            Batch batch = batch();
            synchronized (Follower.this) {
                RunAudit audit = runs.get(run);
                if (audit == null) {
                    audit = load(run);
                    runs.put(run, audit);
                }
                if (recorded.seq() <= audit.lastSeq) {
                    return null; // audited before this follower's token (a re-read after a gap was filled)
                }
                audit.auditor.accept(recorded);
                audit.lastSeq = recorded.seq();
                audited++;
                batch.runs.add(run);
            }
            return null;
        }
    }

    private Batch batch() {
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        return uow.getOrComputeResource("revokefs-follow-batch", k -> {
            Batch b = new Batch();
            uow.onPrepareCommit(u -> commitBatch(b));
            uow.afterCommit(u -> publish(b));
            uow.onRollback(u -> forget(b));
            return b;
        });
    }

    /** In the batch's transaction: the findings and each run's progress. */
    private void commitBatch(Batch b) {
        try (Connection c = transactions.getConnection()) {
            synchronized (this) {
                for (String run : b.runs) {
                    RunAudit audit = runs.get(run);
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO " + FINDINGS_TABLE
                            + " (run, seq, invariant, object, message) VALUES (?, ?, ?, ?, ?)")) {
                        for (Auditor.Finding f : audit.pending) {
                            p.setString(1, run);
                            p.setLong(2, f.seq());
                            p.setString(3, f.invariant().name());
                            p.setString(4, f.object());
                            p.setString(5, f.message());
                            p.addBatch();
                        }
                        p.executeBatch();
                    }
                    long findings = audit.findings + audit.pending.size();
                    try (PreparedStatement p = c.prepareStatement("UPDATE " + RUNS_TABLE + " SET audited = ?, findings = ? WHERE run = ?")) {
                        p.setLong(1, audit.lastSeq);
                        p.setLong(2, findings);
                        p.setString(3, run);
                        if (p.executeUpdate() == 0) {
                            try (PreparedStatement i = c.prepareStatement("INSERT INTO " + RUNS_TABLE + " (run, audited, findings) VALUES (?, ?, ?)")) {
                                i.setString(1, run);
                                i.setLong(2, audit.lastSeq);
                                i.setLong(3, findings);
                                i.executeUpdate();
                            }
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the audit in " + where + ": " + e.getMessage(), e);
        }
    }

    /** After the commit: hand the findings out, once. */
    private void publish(Batch b) {
        List<RunFinding> out = new ArrayList<>();
        synchronized (this) {
            for (String run : b.runs) {
                RunAudit audit = runs.get(run);
                audit.pending.forEach(f -> out.add(new RunFinding(run, f)));
                audit.findings += audit.pending.size();
                audit.pending.clear();
            }
            evict(b);
        }
        out.forEach(sink);
    }

    /** The batch rolled back: the runs it touched are rebuilt from what was committed. */
    private synchronized void forget(Batch b) {
        b.runs.forEach(runs::remove);
    }

    private void evict(Batch b) {
        Iterator<String> it = runs.keySet().iterator();
        while (runs.size() > KEPT_RUNS && it.hasNext()) {
            if (!b.runs.contains(it.next())) {
                it.remove();
            }
        }
    }

    /** The committed audit of {@code run}: its auditor rebuilt up to the last seq audited. */
    private RunAudit load(String run) throws SQLException {
        RunAudit audit = new RunAudit();
        long upTo;
        try (Connection c = dataSource.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT audited, findings FROM " + RUNS_TABLE + " WHERE run = ?")) {
            p.setString(1, run);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return audit;
                }
                upTo = rs.getLong(1);
                audit.findings = rs.getLong(2);
            }
        }
        audit.rebuilding = true;
        try (StoreReader reader = JdbcStoreReader.open(dataSource.getConnection(), where);
             Stream<RecordedEvent> events = reader.read(run)) {
            Iterator<RecordedEvent> it = events.iterator();
            while (it.hasNext()) {
                RecordedEvent e = it.next();
                if (e.seq() > upTo) {
                    break;
                }
                audit.auditor.accept(e);
                audit.lastSeq = e.seq();
            }
        }
        audit.rebuilding = false;
        LOG.info("rebuilt the audit of run {} up to seq {}", run, audit.lastSeq);
        return audit;
    }
}
