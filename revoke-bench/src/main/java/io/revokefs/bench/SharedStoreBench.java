package io.revokefs.bench;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.history.EventStores;
import io.revokefs.history.Follower;
import io.revokefs.history.RevokeEventStore;
import io.revokefs.history.RunSpec;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Target 5, shared store (issue 19): writers appending into one PostgreSQL at once, each its own
 * run, as separate processes would (each writer has its own {@link RevokeEventStore}, so its own
 * connection pool and run). Run by {@link BenchMain} with 1 and with 4 JMH threads in one
 * invocation: the score is the total events per second of all writers (JMH sums the threads);
 * per writer is the total divided by the threads.
 *
 * <p>Each operation of a writer is one run: the first {@value #EVENTS} events of {@link SimulatedRun}
 * (a prefix of a correct run, so the follower finds nothing) through {@code
 * bufferedRecorder(}{@value EventLogBench#BATCH}{@code )} + {@code flush()} into a new run (opened, with
 * its pool, before the operation and closed after it, outside the measured time). Operations are
 * short so that an iteration holds many (JMH does not count the one still running when an
 * iteration ends); the tables grow through the trial, as a shared store does. A {@link
 * Follower} follows the database for the whole trial; a sampler reads every {@value #SAMPLE_MS}
 * ms how far it is behind the head (the highest committed global index minus the follower's
 * token position: events behind), and the trial writes the median and p99 of those samples
 * (measurement iterations only) to the file named by the system property {@value #LAG_FILE}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(java.util.concurrent.TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1) // the JDBC paths compile for about 8 s (EventLogBench)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class SharedStoreBench {
    static final String LAG_FILE = "revokefs.bench.lagFile";
    static final int SAMPLE_MS = 20;
    static final int EVENTS = 2_000;
    /** The follower's batch: one transaction (token, findings, progress) per this many events. */
    static final int FOLLOW_BATCH = 500;

    /** The server, the follower and its lag sampler, for the whole trial. */
    @State(Scope.Benchmark)
    public static class Server {
        EmbeddedPostgres postgres;
        String url;
        Follower follower;
        Thread sampler;
        volatile boolean measuring;
        volatile boolean stop;
        final List<Long> lags = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger runs = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong findings = new java.util.concurrent.atomic.AtomicLong();
        int threads;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws IOException {
            threads = params.getThreads();
            postgres = EmbeddedPostgres.builder().start();
            url = postgres.getJdbcUrl("postgres", "postgres");
            // the tables exist before the follower starts
            EventStores.jdbc(url, "postgres", "postgres", new RunSpec("setup", "", RunSpec.Mode.NEW)).close();
            follower = Follower.start(url, "postgres", "postgres", FOLLOW_BATCH, f -> findings.incrementAndGet());
            sampler = new Thread(this::sample, "lag-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        private void sample() {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                while (!stop) {
                    long head;
                    try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(globalindex), 0) FROM domainevententry")) {
                        rs.next();
                        head = rs.getLong(1);
                    }
                    OptionalLong at = follower.position();
                    if (measuring) {
                        lags.add(Math.max(0, head - (at.isPresent() ? at.getAsLong() : 0)));
                    }
                    Thread.sleep(SAMPLE_MS);
                }
            } catch (SQLException | InterruptedException e) {
                if (!stop) {
                    throw new IllegalStateException("lag sampler: " + e.getMessage(), e);
                }
            }
        }

        @Setup(Level.Iteration)
        public void iteration(org.openjdk.jmh.infra.IterationParams params) {
            measuring = params.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT;
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            stop = true;
            sampler.join(5_000);
            List<Long> sorted = new ArrayList<>(lags);
            Collections.sort(sorted);
            String line = sorted.isEmpty() ? "no samples" : String.format(Locale.ROOT, "threads=%d samples=%d findings=%d audited=%d median=%d p99=%d max=%d",
                    threads, sorted.size(), findings.get(), follower.audited(), sorted.get(sorted.size() / 2),
                    sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)), sorted.get(sorted.size() - 1));
            follower.close();
            postgres.close();
            System.out.println("follower lag (events behind the head): " + line);
            String file = System.getProperty(LAG_FILE);
            if (file != null) {
                Files.writeString(Path.of(file), line + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            }
        }
    }

    /** One writer: its own store (pool) and a new run for each operation. */
    @State(Scope.Thread)
    public static class Writer {
        RevokeEventStore store;
        EventRecorder recorder;
        List<RevokeEvent> events;

        @Setup(Level.Trial)
        public void slice(EventLogBench.Events all) {
            events = all.events.subList(0, EVENTS);
        }

        @Setup(Level.Invocation)
        public void open(Server server) {
            store = EventStores.jdbc(server.url, "postgres", "postgres",
                    new RunSpec("writer-" + server.runs.incrementAndGet(), "bench", RunSpec.Mode.NEW));
            recorder = store.bufferedRecorder(EventLogBench.BATCH);
        }

        @TearDown(Level.Invocation)
        public void close() {
            store.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long sharedAppend(Writer w) {
        for (RevokeEvent e : w.events) {
            w.recorder.record(e);
        }
        w.store.flush();
        return w.store.lastSeq();
    }
}
