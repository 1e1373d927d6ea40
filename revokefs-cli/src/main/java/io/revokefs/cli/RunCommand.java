package io.revokefs.cli;

import io.revokefs.cli.scenario.ScenarioException;
import io.revokefs.cli.scenario.ScenarioParser;
import io.revokefs.cli.scenario.ScenarioRunner;
import io.revokefs.cli.scenario.Step;
import io.revokefs.cli.scenario.World;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.history.Auditor;
import io.revokefs.history.EventStores;
import io.revokefs.history.JsonLines;
import io.revokefs.history.RevokeEventStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code revokefs run}: runs scenario scripts on the simulation and records their events. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs scenario scripts (SEMANTICS.md section 8) on one simulated machine, one after another,",
                "recording every event in a store (an embedded one under runs/ by default).",
                "Exit 0: every line ran and every expect held; 1: an expect did not hold; 2: a malformed script."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SCRIPT", arity = "1..*", description = "scenario scripts, run in order")
    List<Path> scripts;

    static final class Store {
        @Option(names = "--store", paramLabel = "PATH", description = "embedded store to record into (H2 file PATH.mv.db; must be new or empty)")
        Path store;

        @Option(names = "--jdbc", paramLabel = "URL", description = "record into this database (user and password from REVOKEFS_JDBC_USER and REVOKEFS_JDBC_PASSWORD)")
        String jdbc;
    }

    @ArgGroup(exclusive = true)
    Store store;

    @Option(names = "--log", paramLabel = "OUT.jsonl", description = {"also write the events as JSON lines, streamed as the run goes",
            "(a killed run leaves a prefix of it: audit --prefix)"})
    Path log;

    @Option(names = "--html", paramLabel = "OUT.html", description = "also write the report page")
    Path html;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Parse every script first: a malformed line anywhere runs nothing.
        List<Step> steps = new ArrayList<>();
        for (Path script : scripts) {
            List<String> lines;
            try {
                lines = Files.readAllLines(script, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InputException("cannot read script " + script + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
            }
            try {
                steps.addAll(ScenarioParser.parse(script.toString(), lines));
            } catch (ScenarioException e) {
                throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
            }
        }
        checkOutputs();
        InMemoryEventLog memory = new InMemoryEventLog();
        String where;
        JsonLines.Appender appender = null;
        int code = Main.OK;
        String failure = null;
        try (RevokeEventStore target = openStore()) {
            if (target.lastSeq() > 0) {
                throw new InputException(describe() + " already holds " + target.lastSeq()
                        + " events of an earlier run: name a new store");
            }
            where = describe();
            appender = openLog();
            if (appender != null) {
                memory.addListener(appender::append);
            }
            EventRecorder tee = teeInto(memory, target);
            World world = new World(tee);
            ScenarioRunner runner = new ScenarioRunner(world);
            try {
                runner.run(steps);
            } catch (ScenarioException e) {
                if (e.kind() == ScenarioException.Kind.MALFORMED) {
                    throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
                }
                failure = e.getMessage();
                code = Main.FINDINGS;
            } finally {
                world.shutdown();
            }
            target.flush();
            summarize(out, runner, memory.events(), where);
        } catch (InputException e) {
            throw e;
        } catch (Exception e) {
            throw new InputException("cannot use the store " + describe() + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        } finally {
            closeLog(appender);
        }
        List<RecordedEvent> events = memory.events();
        if (log != null) {
            out.println("log:     " + log);
        }
        if (html != null) {
            ReportCommand.write(html, "revokefs run: " + String.join(" ", scripts.stream().map(Path::toString).toList()), events);
            out.println("report:  " + html);
        }
        if (failure != null) {
            spec.commandLine().getErr().println("revokefs: " + failure);
        }
        return code;
    }

    /** The store's batch: the log is handed to its file batch by batch with the store. */
    static final int BATCH = 500;

    /** How many revoked objects and findings the summary names before it folds the rest into a count. */
    static final int SUMMARY_LINES = 20;

    /**
     * Refuses, before anything runs, outputs that would destroy an input ({@code run s --log s},
     * {@code --html} over the log or a script) and a {@code --log} that cannot be written.
     */
    private void checkOutputs() {
        for (Path script : scripts) {
            refuseSame(log, "--log", script, "the script");
            refuseSame(html, "--html", script, "the script");
        }
        refuseSame(html, "--html", log, "the --log");
        if (log != null) {
            checkWritable(log, "--log");
        }
    }

    static void refuseSame(Path output, String option, Path input, String what) {
        if (output != null && input != null && sameFile(output, input)) {
            throw new InputException(option + " " + output + " is " + what + " " + input + ": writing it would destroy it");
        }
    }

    static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall through to the comparison of names
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** A file that can be created or overwritten, found out without changing it. */
    static void checkWritable(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new InputException(option + " " + file + ": is a directory");
        }
        if (Files.exists(file)) {
            if (!Files.isRegularFile(file) || !Files.isWritable(file)) {
                throw new InputException(option + " " + file + ": cannot be written");
            }
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new InputException(option + " " + file + ": cannot be created (" + (dir == null ? "no directory"
                    : dir + (Files.isDirectory(dir) ? " is not writable" : " is not a directory")) + ")");
        }
    }

    /**
     * Opens the log for this run: a log left by an earlier run is emptied now, so it never passes
     * for this run's. Lines reach the file batch by batch as the run goes.
     */
    private JsonLines.Appender openLog() {
        if (log == null) {
            return null;
        }
        try {
            Path parent = log.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return JsonLines.appender(log, BATCH);
        } catch (IOException e) {
            throw new InputException("cannot write " + log + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
    }

    private void closeLog(JsonLines.Appender appender) {
        if (appender == null) {
            return;
        }
        try {
            appender.close();
        } catch (IOException e) {
            throw new InputException("cannot write " + log + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
    }

    private RevokeEventStore openStore() {
        if (store != null && store.jdbc != null) {
            return EventStores.jdbc(store.jdbc, System.getenv().getOrDefault("REVOKEFS_JDBC_USER", ""),
                    System.getenv().getOrDefault("REVOKEFS_JDBC_PASSWORD", ""));
        }
        if (store == null || store.store == null) {
            String name = scripts.get(0).getFileName().toString().replaceAll("\\.[^.]*$", "");
            Path dir = Path.of("runs");
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new InputException("cannot create " + dir.toAbsolutePath() + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
            }
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
            store = new Store();
            store.store = dir.resolve(name + "-" + stamp);
        }
        String p = store.store.toString();
        if (p.endsWith(".mv.db")) {
            store.store = Path.of(p.substring(0, p.length() - ".mv.db".length()));
        }
        return EventStores.embedded(store.store);
    }

    private String describe() {
        return store.jdbc != null ? store.jdbc : store.store + ".mv.db";
    }

    /** Records each event in memory (for the summary, log and report) and in the store, in one order. */
    private static EventRecorder teeInto(InMemoryEventLog memory, RevokeEventStore target) {
        EventRecorder stored = target.bufferedRecorder(BATCH);
        return new EventRecorder() {
            @Override
            public synchronized long record(RevokeEvent event) {
                long a = memory.record(event);
                long b = stored.record(event);
                if (a != b) {
                    throw new IllegalStateException("store seq " + b + " differs from the run's seq " + a);
                }
                return a;
            }
        };
    }

    private static void summarize(PrintWriter out, ScenarioRunner runner, List<RecordedEvent> events, String where) {
        Map<String, Integer> byType = new TreeMap<>();
        Map<String, String> revokes = new TreeMap<>();
        for (RecordedEvent e : events) {
            byType.merge(e.type(), 1, Integer::sum);
            if (e.event() instanceof RevokeEvent.RevokeStarted r) {
                revokes.put(r.object(), r.cause());
            }
        }
        List<Auditor.Finding> findings = Auditor.audit(events);
        out.println("ran " + runner.steps() + " steps: " + events.size() + " events, "
                + events.stream().filter(e -> e.event() instanceof RevokeEvent.ObjectRegistered).count() + " objects registered, "
                + revokes.size() + " revoked");
        revokes.entrySet().stream().limit(SUMMARY_LINES)
                .forEach(r -> out.println("  revoked " + Auditor.escape(r.getKey()) + " (" + Auditor.escape(r.getValue()) + ")"));
        if (revokes.size() > SUMMARY_LINES) {
            out.println("  ... and " + (revokes.size() - SUMMARY_LINES) + " more revoked (replay lists them all)");
        }
        StringBuilder types = new StringBuilder();
        byType.forEach((t, n) -> types.append(types.length() == 0 ? "" : ", ").append(t).append(' ').append(n));
        out.println("events:  " + types);
        out.println("audit:   " + (findings.isEmpty() ? "clean" : findings.size() + " finding(s)"));
        findings.stream().limit(SUMMARY_LINES).forEach(f -> out.println("  " + f.line()));
        if (findings.size() > SUMMARY_LINES) {
            out.println("  ... and " + (findings.size() - SUMMARY_LINES) + " more finding(s) (audit lists them all)");
        }
        out.println("store:   " + where);
    }
}
