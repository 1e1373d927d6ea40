package io.revokefs.cli;

import io.revokefs.history.Auditor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code revokefs audit}: checks the section 7 invariants of a log, streaming. The log is read
 * twice: once to check that every line is well formed, then to audit it, so a malformed log is not
 * audited at all (no finding is printed before its error line) and memory stays bounded.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Checks the invariants of SEMANTICS.md section 7 on an event log or store.",
                "Exit 0: clean; 1: findings (one line each: invariant, seq, object, sentence); 2: malformed input."})
final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG_OR_STORE", description = "a JSON-lines log, an embedded store file, or a jdbc: URL")
    String source;

    @Option(names = "--prefix", description = "audit the complete lines of a log whose last line was cut (a killed run)")
    boolean prefix;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long cutTail = LogSource.forEach(source, e -> { }, prefix);
        long[] findings = {0};
        Auditor auditor = new Auditor(f -> {
            findings[0]++;
            out.println(f.line());
        });
        LogSource.forEach(source, auditor::accept, prefix);
        auditor.finish();
        if (cutTail > 0) {
            out.println("prefix: line " + cutTail + " is cut (the writer stopped mid-line); audited the "
                    + auditor.eventCount() + " complete lines before it");
        }
        out.println(findings[0] == 0
                ? "clean: " + auditor.eventCount() + " events, no findings"
                : findings[0] + " finding(s) in " + auditor.eventCount() + " events");
        return findings[0] == 0 ? Main.OK : Main.FINDINGS;
    }
}
