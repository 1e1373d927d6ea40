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

    @Option(names = "--log", paramLabel = "OUT.jsonl", description = "also write the events as JSON lines")
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
        InMemoryEventLog memory = new InMemoryEventLog();
        String where;
        int code = Main.OK;
        String failure = null;
        try (RevokeEventStore target = openStore()) {
            if (target.lastSeq() > 0) {
                throw new InputException(describe() + " already holds " + target.lastSeq()
                        + " events of an earlier run: name a new store");
            }
            where = describe();
            ExpectationRecorder recorder = new ExpectationRecorder(teeInto(memory, target));
            World world = new World(recorder);
            ScenarioRunner runner = new ScenarioRunner(world).onLine(recorder::expect);
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
        }
        List<RecordedEvent> events = memory.events();
        if (log != null) {
            try {
                Path parent = log.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                JsonLines.export(events.stream(), log);
            } catch (IOException e) {
                throw new InputException("cannot write " + log + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
            }
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
        EventRecorder stored = target.bufferedRecorder(500);
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
        revokes.forEach((o, cause) -> out.println("  revoked " + o + " (" + cause + ")"));
        StringBuilder types = new StringBuilder();
        byType.forEach((t, n) -> types.append(types.length() == 0 ? "" : ", ").append(t).append(' ').append(n));
        out.println("events:  " + types);
        out.println("audit:   " + (findings.isEmpty() ? "clean" : findings.size() + " finding(s)"));
        findings.forEach(f -> out.println("  " + f.invariant() + " seq=" + f.seq() + " object=" + f.object() + ": " + f.message()));
        out.println("store:   " + where);
    }
}
