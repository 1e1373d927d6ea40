package io.revokefs.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs the whole suite of issue 8 with short settings and prints, for each target, the measured
 * ratio beside its bound. Every ratio is between two figures measured in this one run.
 *
 * <pre>java -jar revoke-bench/target/revoke-bench.jar [guard] [fault] [zap] [revoke] [vmclose] [latency] [events] [shared] [memory] [vfio] [rmap]</pre>
 * With no argument it runs everything. The figures each benchmark produced are printed first.
 */
public final class BenchMain {

    /** One row of the summary. */
    record Row(String target, String measured, String bound, String verdict) {
    }

    /** Faults per timed batch in the paired measurement of target 2. */
    private static final int FAULT_BATCH = 2_000;

    private final Map<String, Double> scores = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Set<String> only = Set.of(args);
        BenchMain m = new BenchMain();
        long t0 = System.nanoTime();
        if (only.isEmpty() || only.contains("guard")) {
            m.guard();
        }
        if (only.isEmpty() || only.contains("fault")) {
            m.fault();
        }
        if (only.isEmpty() || only.contains("zap")) {
            m.zap();
        }
        if (only.isEmpty() || only.contains("revoke")) {
            m.revoke();
        }
        if (only.isEmpty() || only.contains("vmclose")) {
            m.vmClose();
        }
        if (only.isEmpty() || only.contains("latency")) {
            m.latency();
        }
        if (only.isEmpty() || only.contains("events")) {
            m.eventLog();
        }
        if (only.isEmpty() || only.contains("shared")) {
            m.sharedStore();
        }
        if (only.isEmpty() || only.contains("memory")) {
            m.memory();
        }
        if (only.isEmpty() || only.contains("vfio")) {
            m.vfio();
        }
        if (only.isEmpty() || only.contains("rmap")) {
            m.rmap();
        }
        m.print((System.nanoTime() - t0) / 1e9);
    }

    private Collection<RunResult> run(Class<?> bench, int threads) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder().include(bench.getName() + "\\.").threads(threads).shouldFailOnError(true);
        return new Runner(o.build()).run();
    }

    /**
     * Key: simple method name, then any params, then "t=threads"; value: the median of the
     * measurement iterations (robust to the one iteration a busy shared machine spoils).
     */
    private void record(Collection<RunResult> results, int threads) {
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            StringBuilder key = new StringBuilder(name);
            for (String p : r.getParams().getParamsKeys()) {
                key.append(' ').append(p).append('=').append(r.getParams().getParam(p));
            }
            key.append(" t=").append(threads);
            double score = r.getPrimaryResult().getStatistics().getPercentile(50);
            scores.put(key + " [" + r.getPrimaryResult().getScoreUnit() + ", median of " + r.getPrimaryResult().getStatistics().getN() + "]", score);
        }
    }

    private double score(String prefix) {
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            if (e.getKey().startsWith(prefix + " [")) {
                return e.getValue();
            }
        }
        throw new IllegalStateException("no score for " + prefix);
    }

    private void ratio(String target, double ratio, double bound, String how) {
        rows.add(new Row(target, String.format(Locale.ROOT, "%.2f x (%s)", ratio, how),
                String.format(Locale.ROOT, "<= %.2f x", bound), ratio <= bound ? "PASS" : "FAIL"));
    }

    void guard() throws RunnerException {
        record(run(GuardBench.class, 1), 1);
        record(run(GuardBench.class, 2), 2);
        double bare = score("bareAtomic t=1");
        double guard1 = score("revokefsGuard t=1");
        ratio("1a guard enter+exit, 1 thread, vs bare AtomicInteger inc+dec", guard1 / bare, 1.5,
                fmt(guard1) + " / " + fmt(bare) + " ns");
        double kernfs2 = score("kernfsGuard t=2");
        double guard2 = score("revokefsGuard t=2");
        ratio("1b guard enter+exit, 2 threads on one object, vs kernfs-style shared atomic", guard2 / kernfs2, 1.0,
                fmt(guard2) + " / " + fmt(kernfs2) + " ns");
        double rev1 = score("revocableAccess t=1");
        Map<String, Paired.Figure> p = PairedGuard.run();
        paired("guard", p);
        double pBare = p.get("bareAtomic").cpuNanos();
        double pRev = p.get("revocableAccess").cpuNanos();
        ratio("1c Revocable try-access + end (try-with-resources), 1 thread, vs bare AtomicInteger inc+dec (paired, CPU time)",
                pRev / pBare, 1.5, fmt(pRev) + " / " + fmt(pBare) + " ns; guard alone " + fmt(p.get("guard").cpuNanos())
                        + " ns; JMH, run one after the other: " + fmt(rev1) + " / " + fmt(bare) + " ns = "
                        + String.format(Locale.ROOT, "%.2f", rev1 / bare) + " x");
        double rev2 = score("revocableAccess t=2");
        ratio("1d Revocable try-access + end, 2 threads on one resource, vs the guard's enter+exit (1b's figure)", rev2 / guard2, 1.0,
                fmt(rev2) + " / " + fmt(guard2) + " ns");
    }

    void fault() throws RunnerException {
        record(run(FaultBench.class, 1), 1);
        double wrapped = score("faultWrapped t=1");
        double plain = score("faultPlain t=1");
        double reset = score("resetAndInstall t=1");
        FaultBench f = new FaultBench();
        f.setup();
        Map<String, Paired.Variant> variants = new LinkedHashMap<>();
        variants.put("wrapped", () -> repeat(FAULT_BATCH, f::faultWrapped));
        variants.put("plain", () -> repeat(FAULT_BATCH, f::faultPlain));
        variants.put("reset", () -> repeat(FAULT_BATCH, f::resetAndInstall));
        Map<String, Paired.Figure> p = Paired.run(variants, 20, 101);
        paired("fault", p);
        double w = p.get("wrapped").cpuNanos();
        double pl = p.get("plain").cpuNanos();
        double r = p.get("reset").cpuNanos();
        ratio("2 fault through the wrapped vm_ops vs the driver's vm_ops (reset subtracted; paired, CPU time)",
                (w - r) / (pl - r), 2.0,
                "(" + fmt(w) + " - " + fmt(r) + ") / (" + fmt(pl) + " - " + fmt(r) + ") ns; wall clock "
                        + String.format(Locale.ROOT, "%.2f", (p.get("wrapped").wallNanos() - p.get("reset").wallNanos())
                                / (p.get("plain").wallNanos() - p.get("reset").wallNanos()))
                        + " x; JMH, run one after the other: "
                        + String.format(Locale.ROOT, "%.2f", (wrapped - reset) / (plain - reset)) + " x");
    }

    private static long repeat(int n, Runnable op) {
        for (int i = 0; i < n; i++) {
            op.run();
        }
        return n;
    }

    /** Records the figures of a paired measurement beside the JMH scores. */
    private void paired(String what, Map<String, Paired.Figure> figures) {
        figures.forEach((name, f) -> {
            scores.put("paired " + what + " " + name + " [ns/op wall, median]", f.wallNanos());
            scores.put("paired " + what + " " + name + " [ns/op CPU, median]", f.cpuNanos());
        });
    }

    void zap() throws RunnerException {
        record(run(ZapScaleBench.class, 1), 1);
        double with = score("zapObject others=100000 t=1");
        double without = score("zapObject others=0 t=1");
        PairedZap.Result p = PairedZap.run();
        ratio("3a zap of an object's 16 VMAs, mapping with 100,000 other VMAs vs none (paired batches)", p.ratio(), 2.0,
                fmt(p.withOthersNanos()) + " / " + fmt(p.withoutNanos()) + " ns; JMH, run one after the other: "
                        + fmt(with) + " / " + fmt(without) + " ns = " + String.format(Locale.ROOT, "%.2f", with / without) + " x");
    }

    /** Issue 20: who maps one page, with 100,000 unrelated VMAs in the iomem mapping vs none, paired in one JVM. */
    void rmap() {
        PairedRmap.Result r = PairedRmap.run(100_000, 10, 31);
        scores.put("paired rmap whoMaps others=100000 [ns/op CPU, median]", r.withOthersNanos());
        scores.put("paired rmap whoMaps others=0 [ns/op CPU, median]", r.withoutNanos());
        ratio("20 rmap query for one page, iomem mapping with 100,000 other VMAs vs none (paired, CPU time)", r.ratio(), 2.0,
                fmt(r.withOthersNanos()) + " / " + fmt(r.withoutNanos()) + " ns");
    }

    /** Issue 16: revoke of 10,000 VMAs across 100 processes, closing driver vs none, paired in one JVM. */
    void vmClose() {
        PairedVmClose.Result r = PairedVmClose.run();
        ratio("3c revoke of 10,000 VMAs / 100 processes, driver with vm close vs without (paired)", r.ratio(), 2.0,
                fmt(r.closingMicros()) + " / " + fmt(r.plainMicros()) + " us");
    }

    void revoke() throws RunnerException {
        record(run(RevokeScaleBench.class, 1), 1);
        double big = score("revoke vmas=10000 t=1");
        double small = score("revoke vmas=1000 t=1");
        Map<String, Paired.Variant> variants = new LinkedHashMap<>();
        for (int vmas : new int[] {1_000, 10_000}) {
            RevokeScaleBench b = new RevokeScaleBench();
            b.vmas = vmas;
            variants.put(Integer.toString(vmas), new Paired.Variant() {
                @Override
                public void prepare() {
                    b.freshWorld();
                }

                @Override
                public long batch() {
                    b.revoke();
                    return 1;
                }
            });
        }
        Map<String, Paired.Figure> p = Paired.run(variants, 10, 31);
        paired("revoke vmas=", p);
        double bigCpu = p.get("10000").cpuNanos() / 1000;
        double smallCpu = p.get("1000").cpuNanos() / 1000;
        ratio("3b revoke of 10,000 VMAs vs 1,000 VMAs, across 100 processes (paired, CPU time)", bigCpu / smallCpu, 12.0,
                fmt(bigCpu) + " / " + fmt(smallCpu) + " us; wall clock "
                        + String.format(Locale.ROOT, "%.2f", p.get("10000").wallNanos() / p.get("1000").wallNanos())
                        + " x; JMH, run one after the other: " + fmt(big) + " / " + fmt(small) + " us = "
                        + String.format(Locale.ROOT, "%.2f", big / small) + " x");
    }

    void latency() throws InterruptedException {
        RevokeLatency.run(50, 2); // warm-up rounds, discarded
        RevokeLatency.Result quiet = RevokeLatency.run(300, 0);
        RevokeLatency.Result r = RevokeLatency.run(300, 2);
        rows.add(new Row("4 revoke() latency, 2 threads hammering reads and faults (" + r.rounds() + " rounds)",
                String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, max %.1f us; ops completed during: median %d (%d ok), p99 %d",
                        r.p50Micros(), r.p99Micros(), r.maxMicros(), r.medianOpsDuring(), r.medianOkOpsDuring(), r.p99OpsDuring()),
                "report", "REPORTED"));
        rows.add(new Row("4 (baseline) revoke() latency, no other thread (" + quiet.rounds() + " rounds)",
                String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, max %.1f us", quiet.p50Micros(), quiet.p99Micros(), quiet.maxMicros()),
                "report", "REPORTED"));
    }

    /** Target 5: each store's events/s beside plain Jackson JSON lines of the same events, same run. */
    void eventLog() throws RunnerException {
        record(run(EventLogBench.class, 1), 1);
        double plainWrite = score("plainWrite t=1");
        double plainRead = score("plainRead t=1");
        String events = String.format(Locale.ROOT, "%,d", EventLogBench.EVENTS);
        for (String store : EventLogBench.STORES) {
            events("5a append, " + store + " store, bufferedRecorder(" + EventLogBench.BATCH + ") + flush, "
                    + events + " simulated events, vs plain Jackson JSON-lines write", score("append batch=" + EventLogBench.BATCH + " store=" + store + " t=1"), plainWrite);
        }
        events("5a append, JsonLines (revoke-history's codec), vs plain Jackson JSON-lines write", score("jsonLinesWrite t=1"), plainWrite);
        for (String store : EventLogBench.STORES) {
            events("5b replay, " + store + " store, readAll() of " + events + " events, vs plain Jackson JSON-lines read",
                    score("replay store=" + store + " t=1"), plainRead);
        }
        events("5b replay, JsonLines.LogReader (revoke-history's codec), vs plain Jackson JSON-lines read", score("jsonLinesRead t=1"), plainRead);
        double plainLog = score("plainReadLog t=1");
        String log = String.format(Locale.ROOT, "%,d", EventLogBench.LOG_EVENTS);
        events("5c auditor, JsonLines.LogReader into Auditor, " + log + "-event log, vs plain Jackson parse of the same file",
                score("auditLog t=1"), plainLog);
        events("5c (split) JsonLines.LogReader alone, same " + log + "-event log, vs plain Jackson parse of the same file",
                score("readLog t=1"), plainLog);
    }

    /**
     * Target 5, shared store: 1 and 4 writers into one PostgreSQL in this invocation, a follower
     * following each; its lag comes back through a file (the trial runs in a forked JVM).
     */
    void sharedStore() throws Exception {
        Path lagFile = Files.createTempFile("revoke-bench-lag", ".txt");
        for (int threads : new int[] {1, 4}) {
            ChainedOptionsBuilder o = new OptionsBuilder().include(SharedStoreBench.class.getName() + "\\.").threads(threads)
                    // replaces the @Fork's jvmArgsAppend: repeat them
                    .jvmArgsAppend("-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-D" + SharedStoreBench.LAG_FILE + "=" + lagFile)
                    .shouldFailOnError(true);
            record(new Runner(o.build()).run(), threads);
        }
        List<String> lags = Files.readAllLines(lagFile);
        Files.deleteIfExists(lagFile);
        double one = score("sharedAppend t=1");
        double four = score("sharedAppend t=4");
        events("5d one writer into PostgreSQL (its own run, a follower following), bufferedRecorder(" + EventLogBench.BATCH
                + ") + flush, vs the same alone", one, one);
        events("5d four writers into one PostgreSQL at once (a run each, a follower following): total, vs one writer", four, one);
        events("5d four writers into one PostgreSQL at once: per writer, vs one writer", four / 4, one);
        for (String lag : lags) {
            rows.add(new Row("5d follower lag, events behind the head (sampled every " + SharedStoreBench.SAMPLE_MS + " ms)",
                    lag, "report", "REPORTED"));
        }
    }

    private void events(String target, double eventsPerSecond, double baseline) {
        rows.add(new Row(target, String.format(Locale.ROOT, "%,.0f events/s = %.3f x baseline (%,.0f events/s)",
                eventsPerSecond, eventsPerSecond / baseline, baseline), "report", "REPORTED"));
    }

    void memory() throws Exception {
        Footprint.Result r = Footprint.measure();
        rows.add(new Row("6a bytes per mapped page (dense VMA; 1-page VMAs)",
                String.format(Locale.ROOT, "%.2f B; %.1f B", r.bytesPerDensePage(), r.bytesPerSparsePage()), "report", "REPORTED"));
        rows.add(new Row("6b bytes per VMA (1 page, unpopulated)", String.format(Locale.ROOT, "%.1f B", r.bytesPerVma()),
                "report", "REPORTED"));
        rows.add(new Row("6c 1,000,000 pages mapped and faulted in a -Xmx512m JVM",
                r.fitError() == null
                        ? String.format(Locale.ROOT, "%,d pages, %.1f MiB heap in use after GC", r.fitPages(), r.fitUsedBytes() / 1048576.0)
                        : r.fitError(),
                "fits in 512 MiB", r.fits() ? "PASS" : "FAIL"));
    }

    /**
     * The vfio targets (issue 14), each a paired measurement: memory off then on (eager) of 10,000 VMAs
     * vs 1,000, across 100 processes; and the on-fault path's fault through {@code memory_lock} vs
     * target 2's wrapped fault, the same reset subtracted from both.
     */
    void vfio() {
        Map<String, Paired.Variant> toggles = new LinkedHashMap<>();
        for (int vmas : new int[] {1_000, 10_000}) {
            VfioBench.Toggle t = new VfioBench.Toggle(vmas);
            toggles.put(Integer.toString(vmas), t::offThenOn);
        }
        Map<String, Paired.Figure> p = Paired.run(toggles, 10, 31);
        paired("vfio off+on vmas=", p);
        double big = p.get("10000").cpuNanos() / 1000;
        double small = p.get("1000").cpuNanos() / 1000;
        ratio("7a vfio memory off then on (eager) of 10,000 VMAs vs 1,000 VMAs, across 100 processes (paired, CPU time)",
                big / small, 12.0, fmt(big) + " / " + fmt(small) + " us; wall clock "
                        + String.format(Locale.ROOT, "%.2f", p.get("10000").wallNanos() / p.get("1000").wallNanos()) + " x");

        FaultBench f = new FaultBench();
        f.setup();
        VfioBench.Fault v = new VfioBench.Fault();
        Map<String, Paired.Variant> faults = new LinkedHashMap<>();
        faults.put("vfio", () -> repeat(FAULT_BATCH, v::fault));
        faults.put("wrapped", () -> repeat(FAULT_BATCH, f::faultWrapped));
        faults.put("reset", () -> repeat(FAULT_BATCH, f::resetAndInstall));
        Map<String, Paired.Figure> q = Paired.run(faults, 20, 101);
        paired("vfio fault", q);
        double vf = q.get("vfio").cpuNanos();
        double w = q.get("wrapped").cpuNanos();
        double r = q.get("reset").cpuNanos();
        ratio("7b vfio on-fault fault through memory_lock vs target 2's wrapped fault (reset subtracted; paired, CPU time)",
                (vf - r) / (w - r), 1.5, "(" + fmt(vf) + " - " + fmt(r) + ") / (" + fmt(w) + " - " + fmt(r) + ") ns; wall clock "
                        + String.format(Locale.ROOT, "%.2f", (q.get("vfio").wallNanos() - q.get("reset").wallNanos())
                                / (q.get("wrapped").wallNanos() - q.get("reset").wallNanos())) + " x");
    }

    private void print(double seconds) {
        StringBuilder b = new StringBuilder();
        b.append("\n== revoke-bench: raw figures (median of the measurement iterations) ==\n");
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            b.append(String.format(Locale.ROOT, "  %-58s %12.2f%n", e.getKey(), e.getValue()));
        }
        b.append("\n== revoke-bench: targets (").append(String.format(Locale.ROOT, "%.0f s", seconds)).append(") ==\n\n");
        b.append("| target | measured | bound | result |\n| --- | --- | --- | --- |\n");
        for (Row r : rows) {
            b.append("| ").append(r.target()).append(" | ").append(r.measured()).append(" | ").append(r.bound())
                    .append(" | ").append(r.verdict()).append(" |\n");
        }
        b.append(String.format(Locale.ROOT, "%nJDK %s (%s), %d CPUs, max heap %d MiB%n", System.getProperty("java.version"),
                System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() / 1048576));
        System.out.print(b);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private BenchMain() {
    }
}
