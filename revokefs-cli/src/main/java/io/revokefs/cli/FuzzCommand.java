package io.revokefs.cli;

import io.revokefs.cli.fuzz.ScenarioFuzzer;
import io.revokefs.history.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code revokefs fuzz}: random scenarios across every adapter, each audited and replayed. */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Generates and runs random scenarios across every adapter.",
                "After each: the auditor finds nothing, the replayed state equals the live state, and no PTE reaches"
                        + " a revoked object or a claimed range. Scenario i uses seed SEED+i; a failing one is saved as"
                        + " a script that 'revokefs run' replays.",
                "Exit 0: no findings; 1: a failing scenario."})
final class FuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the first scenario (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--count", defaultValue = "1000", description = "how many scenarios (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--steps", defaultValue = "40", description = "lines per scenario (default ${DEFAULT-VALUE})")
    int steps;

    @Mixin
    AdapterPath adapters;

    @Option(names = "--save", paramLabel = "DIR", defaultValue = "fuzz-failures",
            description = "where a failing scenario's script is written (default ${DEFAULT-VALUE})")
    Path save;

    @Option(names = "--jdbc", paramLabel = "URL", description = "also record each scenario as a run (id fuzz-seed-SEED) of the database at URL,"
            + " so that a failing one can be read back from the shared store by its id")
    String jdbc;

    @Override
    public Integer call() {
        if (count < 1 || steps < 1) {
            throw new InputException("--count and --steps must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        ScenarioFuzzer fuzzer = new ScenarioFuzzer(steps, adapters.providers());
        Progress progress = Progress.onTerminal(spec.commandLine().getErr(), "fuzz", count);
        long lines = 0;
        for (int i = 0; i < count; i++) {
            ScenarioFuzzer.Outcome o = fuzzer.run(seed + i);
            lines += o.script().size();
            String recorded = jdbc == null ? null : RunCommand.recordScript(jdbc,
                    new RunSpec("fuzz-seed-" + o.seed(), "fuzz seed " + o.seed() + " (" + steps + " steps)", RunSpec.Mode.NEW_UNIQUE),
                    adapters.providers(), "fuzz-seed-" + o.seed(), o.script());
            progress.update(i + 1);
            if (!o.ok()) {
                progress.done();
                Path file = save.resolve("fuzz-seed-" + o.seed() + ".scenario");
                try {
                    Files.createDirectories(save);
                    Files.write(file, o.script(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new InputException("cannot save the failing script to " + file + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
                }
                out.println("FAILED: scenario with seed " + o.seed() + " (" + (i + 1) + " of " + count + "); script saved to " + file);
                o.problems().forEach(p -> out.println("  " + p));
                if (recorded != null) {
                    out.println("recorded: run " + recorded + " of " + jdbc);
                }
                out.println("reproduce: revokefs fuzz --seed " + o.seed() + " --count 1 --steps " + steps);
                return Main.FINDINGS;
            }
        }
        progress.done();
        out.println(count + " scenarios (seeds " + seed + ".." + (seed + count - 1) + ", " + lines + " lines): no findings"
                + (jdbc == null ? "" : "; each recorded as run fuzz-seed-SEED of " + jdbc));
        return Main.OK;
    }
}
