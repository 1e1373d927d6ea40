package io.revokefs.cli;

import io.revokefs.explore.Cases;
import io.revokefs.explore.ExploreCase;
import io.revokefs.explore.Explorer;
import io.revokefs.explore.Report;
import io.revokefs.explore.Schedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code revokefs explore}: the race cases of RACES.md over their interleavings. */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = {"Explores the interleavings of the race cases of RACES.md with a deterministic scheduler:",
                "every schedule up to a preemption bound, then random ones from a seed. After each schedule:",
                "no live PTE after revoke, release once, no deadlock, lock order, and the section 7 auditor.",
                "Exit 0: no violation; 1: a violation (its schedule and seed are printed)."})
final class ExploreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CASE", arity = "0..*", description = "case ids (default: all; --list shows them)")
    List<String> cases;

    @Option(names = "--list", description = "list the cases and exit")
    boolean list;

    @Option(names = "--preemptions", defaultValue = "2", description = "preemption bound (default ${DEFAULT-VALUE})")
    int preemptions;

    @Option(names = "--schedules", defaultValue = "15000", description = "at most this many systematic schedules per case (default ${DEFAULT-VALUE})")
    int schedules;

    @Option(names = "--random", defaultValue = "300", description = "random schedules after the systematic ones (default ${DEFAULT-VALUE})")
    int random;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random schedules (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--replay", paramLabel = "SCHEDULE", description = "re-run one case on this schedule (as printed, e.g. 0x8.1x5.0x4)")
    String replay;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (ExploreCase c : Cases.all()) {
                out.println(c.id() + "  " + c.description());
            }
            return Main.OK;
        }
        if (preemptions < 0 || schedules < 1 || random < 0) {
            throw new InputException("--preemptions and --random must be 0 or more, --schedules at least 1");
        }
        List<ExploreCase> chosen = new ArrayList<>();
        if (cases == null || cases.isEmpty()) {
            chosen.addAll(Cases.all());
        } else {
            for (String id : cases) {
                try {
                    chosen.add(Cases.byId(id));
                } catch (IllegalArgumentException e) {
                    throw new InputException(e.getMessage());
                }
            }
        }
        Explorer.Options options = Explorer.Options.defaults().withPreemptionBound(preemptions)
                .withSchedules(schedules, random).withSeed(seed);
        if (replay != null) {
            if (chosen.size() != 1) {
                throw new InputException("--replay needs exactly one case");
            }
            Schedule s;
            try {
                s = Schedule.parse(replay);
            } catch (IllegalArgumentException e) {
                throw new InputException("--replay: " + e.getMessage());
            }
            return print(out, Explorer.replay(chosen.get(0), s, options));
        }
        int code = Main.OK;
        Progress progress = Progress.onTerminal(spec.commandLine().getErr(), "explore", chosen.size());
        int done = 0;
        for (ExploreCase c : chosen) {
            int r = print(out, Explorer.explore(c, options));
            progress.update(++done);
            code = Math.max(code, r);
        }
        progress.done();
        return code;
    }

    private static int print(PrintWriter out, Report r) {
        out.println(r.line());
        r.failure().ifPresent(f -> out.print(f.describe(40)));
        return r.failure().isPresent() ? Main.FINDINGS : Main.OK;
    }
}
