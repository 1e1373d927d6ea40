package io.revokefs.cli;

import io.revokefs.explore.Cases;
import io.revokefs.explore.ExploreCase;
import io.revokefs.explore.Explorer;
import io.revokefs.explore.Report;
import io.revokefs.explore.Schedule;
import io.revokefs.explore.ScriptCase;
import io.revokefs.scenario.Scenario;
import io.revokefs.scenario.ScenarioException;
import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScriptFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code revokefs explore}: the race cases of docs/races.md, or the together blocks of scripts, over their interleavings. */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = {"Explores the interleavings of the race cases of docs/races.md, or of the together blocks of scripts.",
                "A deterministic scheduler runs every schedule up to a preemption bound, then random ones from a seed."
                        + " After each schedule it checks: no live PTE after revoke, release once, no deadlock, lock"
                        + " order, the section 7 auditor, and every expect of the script.",
                "Exit 0: no violation; 1: a violation (its schedule and the failing line are printed);"
                        + " 2: a malformed script or option."})
final class ExploreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CASE|SCRIPT", arity = "0..*",
            description = "case ids (default: all; --list shows them) or scenario scripts with together blocks")
    List<String> cases;

    @Option(names = "--list", description = "list the cases and the adapters, and exit")
    boolean list;

    @Option(names = "--preemptions", defaultValue = "2", description = "preemption bound (default ${DEFAULT-VALUE})")
    int preemptions;

    @Option(names = "--schedules", defaultValue = "15000", description = "at most this many systematic schedules per case (default ${DEFAULT-VALUE})")
    int schedules;

    @Option(names = "--random", defaultValue = "300", description = "random schedules after the systematic ones (default ${DEFAULT-VALUE})")
    int random;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random schedules (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--workers", paramLabel = "N", description = "schedules run at once (default: the number of processors)")
    Integer workers;

    @Option(names = "--no-reduction", description = "every schedule of the bounded search: without the reduction that skips"
            + " schedules only repeating others (docs/explore.md), to compare (replay a schedule with the setting that printed it)")
    boolean noReduction;

    @Option(names = "--replay", paramLabel = "SCHEDULE", description = "re-run one case on this schedule (as printed, e.g. 0x8.1x5.0x4)")
    String replay;

    @Option(names = "--block", paramLabel = "LINE", description = "with a script of several together blocks: only the block whose first line is LINE")
    Integer block;

    @Mixin
    AdapterPath adapters;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (ExploreCase c : Cases.all()) {
                out.println(c.id() + "  " + c.description());
            }
            adapters.providers().all().forEach(p -> out.println("adapter " + p.name() + ": verbs "
                    + String.join(", ", p.verbs().stream().map(v -> v.name()).toList()) + "; paths " + String.join(", ", p.paths())));
            return Main.OK;
        }
        if (preemptions < 0 || schedules < 1 || random < 0 || workers != null && (workers < 1 || workers > 256)) {
            throw new InputException("--preemptions and --random must be 0 or more, --schedules at least 1, --workers 1 to 256");
        }
        List<ExploreCase> chosen = choose();
        Explorer.Options options = Explorer.Options.defaults().withPreemptionBound(preemptions)
                .withSchedules(schedules, random).withSeed(seed)
                .withWorkers(workers != null ? workers : Runtime.getRuntime().availableProcessors())
                .withReduction(!noReduction);
        if (replay != null) {
            if (chosen.size() != 1) {
                throw new InputException("--replay needs exactly one case (or one together block: --block LINE), got " + chosen.size());
            }
            ExploreCase c = chosen.get(0);
            Schedule s;
            try {
                s = Schedule.parse(replay, Explorer.threadCount(c), options.maxSteps());
            } catch (IllegalArgumentException e) {
                throw new InputException("--replay: " + e.getMessage());
            }
            describe(out, c);
            return print(out, Explorer.replay(c, s, options));
        }
        int code = Main.OK;
        Progress progress = Progress.onTerminal(spec.commandLine().getErr(), "explore", chosen.size());
        int done = 0;
        for (ExploreCase c : chosen) {
            describe(out, c);
            int r = print(out, Explorer.explore(c, options));
            progress.update(++done);
            code = Math.max(code, r);
        }
        progress.done();
        return code;
    }

    /** The cases named: ids of built-in cases, and one case per together block of each script (all parsed first). */
    private List<ExploreCase> choose() {
        List<ExploreCase> chosen = new ArrayList<>();
        if (cases == null || cases.isEmpty()) {
            if (block != null) {
                throw new InputException("--block goes with a script");
            }
            chosen.addAll(Cases.all());
            return chosen;
        }
        ScenarioProviders providers = null;
        for (String arg : cases) {
            if (!isScript(arg)) {
                try {
                    chosen.add(Cases.byId(arg));
                } catch (IllegalArgumentException e) {
                    throw new InputException(e.getMessage() + " (a script is a path to a file)");
                }
                continue;
            }
            if (providers == null) {
                providers = adapters.providers();
            }
            Scenario sc;
            try {
                sc = new ScenarioParser(providers).parse(arg, ScriptFiles.read(Path.of(arg)));
            } catch (ScenarioException e) {
                throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
            } catch (IOException e) {
                throw new InputException("cannot read script " + arg + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
            }
            List<ScriptCase> blocks = ScriptCase.of(arg, providers, sc);
            if (blocks.isEmpty()) {
                throw new InputException(arg + ": no together block to explore (revokefs run runs a script without one)");
            }
            if (block != null) {
                blocks = blocks.stream().filter(b -> b.threads().get(0).line() == block || b.id().endsWith(":" + block)).toList();
                if (blocks.isEmpty()) {
                    throw new InputException(arg + ": no together block starts at line " + block);
                }
            }
            chosen.addAll(blocks);
        }
        return chosen;
    }

    private static boolean isScript(String arg) {
        return arg.contains("/") || arg.contains(".") || Files.exists(Path.of(arg));
    }

    private static void describe(PrintWriter out, ExploreCase c) {
        if (c instanceof ScriptCase s) {
            out.println(s.id() + ": " + s.description());
        }
    }

    private static int print(PrintWriter out, Report r) {
        out.println(r.line());
        r.failure().ifPresent(f -> out.print(f.describe(40)));
        return r.failure().isPresent() ? Main.FINDINGS : Main.OK;
    }
}
