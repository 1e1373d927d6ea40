package io.revokefs.cli;

import io.revokefs.history.Auditor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code revokefs audit}: checks the section 7 invariants of a log, streaming. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Checks the invariants of SEMANTICS.md section 7 on an event log or store.",
                "Exit 0: clean; 1: findings (one line each: invariant, seq, object, sentence); 2: malformed input."})
final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG_OR_STORE", description = "a JSON-lines log, an embedded store file, or a jdbc: URL")
    String source;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        int[] findings = {0};
        Auditor auditor = new Auditor(f -> {
            findings[0]++;
            out.println(f.invariant() + " seq=" + f.seq() + " object=" + f.object() + ": " + f.message());
        });
        LogSource.forEach(source, auditor::accept);
        auditor.finish();
        out.println(findings[0] == 0
                ? "clean: " + auditor.eventCount() + " events, no findings"
                : findings[0] + " finding(s) in " + auditor.eventCount() + " events");
        return findings[0] == 0 ? Main.OK : Main.FINDINGS;
    }
}
