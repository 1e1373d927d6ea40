package io.revokefs.cli;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.history.Auditor;
import io.revokefs.history.EventStores;
import io.revokefs.history.JsonLines;
import io.revokefs.history.RevokeEventStore;
import io.revokefs.history.RunSpec;
import io.revokefs.history.StoreException;
import io.revokefs.scenario.Scenario;
import io.revokefs.scenario.ScenarioException;
import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Scope;
import io.revokefs.scenario.ScriptFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code revokefs run}: runs scenario scripts on the simulation and records their events. */
// sortSynopsis = false: in declaration order the synopsis wraps between options at 80 and 110
// columns; sorted, picocli's line breaker split "[--log=OUT.jsonl]" after its dot at 80 (HelpTest).
@Command(name = "run", mixinStandardHelpOptions = true, sortSynopsis = false,
        description = {"Runs scenario scripts (docs/semantics.md section 8) on one simulated machine, one after another.",
                "Every event is recorded as one run of a store: a new embedded store under runs/ by default, or one"
                        + " more run of an existing store. The run's id is --run NAME, or the first script's name and"
                        + " the UTC time.",
                "Exit 0: every line ran and every expect held; 1: an expect did not hold; 2: a malformed script."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SCRIPT", arity = "1..*", description = "scenario scripts, run in order")
    List<Path> scripts;

    static final class Store {
        @Option(names = "--store", paramLabel = "PATH", description = "embedded store to record into (H2 file PATH.mv.db, created if absent; an existing one gets a new run)")
        Path store;

        @Option(names = "--jdbc", paramLabel = "URL", description = "record into this database (user and password from REVOKEFS_JDBC_USER and REVOKEFS_JDBC_PASSWORD)")
        String jdbc;
    }

    @ArgGroup(exclusive = true)
    Store store;

    @Mixin
    AdapterPath adapters;

    @Option(names = "--run", paramLabel = "NAME", description = "the run's id (letters, digits, '.', '_', '-'; must be new in the store)")
    String run;

    @Option(names = "--log", paramLabel = "OUT.jsonl", description = "also write the events as JSON lines, streamed as the run goes"
            + " (a killed run leaves a prefix of it: audit --prefix)")
    Path log;

    @Option(names = "--html", paramLabel = "OUT.html", description = "also write the report page")
    Path html;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (run != null && RunSpec.problem(run) != null) {
            throw new InputException("--run: " + RunSpec.problem(run));
        }
        // Parse every script first, every name and number checked: a malformed line anywhere runs nothing.
        ScenarioProviders providers = adapters.providers();
        ScenarioParser parser = new ScenarioParser(providers);
        Scope scope = new Scope();
        List<Scenario> parsed = new ArrayList<>();
        for (Path script : scripts) {
            List<String> lines;
            try {
                lines = ScriptFiles.read(script);
            } catch (ScenarioException e) {
                throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
            } catch (IOException e) {
                throw new InputException("cannot read script " + script + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
            }
            try {
                parsed.add(parser.parse(script.toString(), lines, scope));
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
        RevokeEventStore target = openStore();
        try (target) {
            where = describe() + " (run " + target.run() + ")";
            appender = openLog();
            if (appender != null) {
                memory.addListener(appender::append);
            }
            ExpectationRecorder recorder = new ExpectationRecorder(teeInto(memory, target));
            ScenarioRunner runner = new ScenarioRunner(new ScenarioWorld(recorder, providers)).onLine(recorder::expect);
            try {
                runner.run(Scenario.concat(parsed));
            } catch (ScenarioException e) {
                if (e.kind() == ScenarioException.Kind.MALFORMED) {
                    throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
                }
                failure = e.getMessage();
                code = Main.FINDINGS;
            }
            target.flush();
            int findings = summarize(out, runner, memory.events(), where);
            target.recordVerdict(findings == 0 ? "clean" : findings + " finding(s)");
        } catch (InputException e) {
            throw e;
        } catch (RuntimeException e) {
            // A step that failed names its script:line; a store failure names the seqs not stored.
            String cause = LogSource.rootMessage(e);
            String message = e.getMessage() == null || e.getMessage().equals(cause) ? cause : e.getMessage() + ": " + cause;
            throw new InputException("run " + target.run() + " stopped (store " + describe() + "): " + message, Main.BAD_INPUT, e);
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

    /**
     * Runs {@code lines} (a script named {@code name}) on a new simulated machine with {@code
     * providers}, recording its events as run {@code spec} of the database at {@code jdbc}; an
     * expect that fails ends the run as it would end {@code revokefs run}. Returns the run's id.
     * ({@code revokefs fuzz --jdbc}.)
     */
    static String recordScript(String jdbc, RunSpec spec, ScenarioProviders providers, String name, List<String> lines) {
        Scenario scenario;
        try {
            scenario = new ScenarioParser(providers).parse(name, lines, new Scope());
        } catch (ScenarioException e) {
            throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
        }
        try (RevokeEventStore target = EventStores.jdbc(jdbc, LogSource.jdbcUser(), LogSource.jdbcPassword(), spec)) {
            try {
                ExpectationRecorder recorder = new ExpectationRecorder(target.bufferedRecorder(500));
                new ScenarioRunner(new ScenarioWorld(recorder, providers)).onLine(recorder::expect).run(scenario);
            } catch (ScenarioException e) {
                if (e.kind() == ScenarioException.Kind.MALFORMED) {
                    throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
                }
            }
            return target.run();
        } catch (InputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InputException("cannot record " + name + " into " + jdbc + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
    }

    /** Opens the store and the run, or says why not (before anything runs). */
    private RevokeEventStore openStore() {
        String label = String.join(" ", scripts.stream().map(Path::toString).toList());
        RunSpec spec = run != null ? new RunSpec(run, label, RunSpec.Mode.NEW)
                : RunSpec.generated(scripts.get(0).getFileName().toString().replaceAll("\\.[^.]*$", ""), Instant.now(), label);
        try {
            return openStore(spec);
        } catch (InputException e) {
            throw e;
        } catch (StoreException e) {
            throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
        } catch (RuntimeException e) {
            throw new InputException("cannot open the store " + describe() + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
    }

    private RevokeEventStore openStore(RunSpec spec) {
        if (store != null && store.jdbc != null) {
            return EventStores.jdbc(store.jdbc, LogSource.jdbcUser(), LogSource.jdbcPassword(), spec);
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
        Path parent = store.store.toAbsolutePath().getParent();
        for (Path up = parent; up != null; up = up.getParent()) {
            if (Files.exists(up)) {
                if (!Files.isDirectory(up)) {
                    throw new InputException("--store " + store.store + ": " + up + " is not a directory");
                }
                break;
            }
        }
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new InputException("--store " + store.store + ": cannot create " + parent + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
        return EventStores.embedded(store.store, EventStores.Durability.COMMIT, spec);
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

    /** Prints the run's summary; returns its number of findings. */
    private static int summarize(PrintWriter out, ScenarioRunner runner, List<RecordedEvent> events, String where) {
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
        return findings.size();
    }
}
