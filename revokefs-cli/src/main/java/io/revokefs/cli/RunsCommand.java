package io.revokefs.cli;

import io.revokefs.history.RunInfo;
import io.revokefs.history.StoreException;
import io.revokefs.history.StoreReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code revokefs runs}: the runs a store holds. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = {"Lists the runs of a store (an embedded store file or a jdbc: URL), oldest first.",
                "For each run: id, start (UTC), events, objects registered, objects revoked, and the audit verdict if"
                        + " one was recorded (by 'revokefs run' or by a follower, 'revokefs audit --follow')."
                        + " The store is opened read-only.",
                "Exit 0; 2: not a store."})
final class RunsCommand implements Callable<Integer> {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "STORE", description = "an embedded store file or a jdbc: URL")
    String source;

    @Override
    public Integer call() {
        if (!LogSource.isStore(source)) {
            throw new InputException(source + (java.nio.file.Files.isRegularFile(java.nio.file.Path.of(source))
                    ? ": a JSON-lines log holds one run; 'revokefs runs' lists the runs of a store"
                    : ": no such store"));
        }
        List<RunInfo> runs;
        try (StoreReader reader = LogSource.openStore(source)) {
            runs = reader.runs();
        } catch (StoreException e) {
            throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        int idWidth = Math.max(3, runs.stream().mapToInt(r -> r.id().length()).max().orElse(3));
        String format = "%-" + idWidth + "s  %-19s  %8s  %7s  %7s  %s%n";
        out.printf(format, "RUN", "STARTED (UTC)", "EVENTS", "OBJECTS", "REVOKES", "AUDIT");
        for (RunInfo r : runs) {
            out.printf(format, r.id(), r.started().equals(Instant.EPOCH) ? "-" : WHEN.format(r.started()),
                    r.events(), r.objects(), r.revokes(), r.verdict() == null ? "not audited" : r.verdict());
        }
        out.println(runs.size() + " run(s) in " + source);
        return Main.OK;
    }
}
