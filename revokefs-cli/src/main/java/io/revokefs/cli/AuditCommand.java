package io.revokefs.cli;

import io.revokefs.history.Auditor;
import io.revokefs.history.Follower;
import io.revokefs.history.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Callable;

/**
 * {@code revokefs audit}: checks the section 7 invariants of a log, streaming; or follows a store. A
 * log or run is read twice: once to check that every event is well formed, then to audit it, so a
 * malformed log is not audited at all (no finding is printed before its error line) and memory
 * stays bounded.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Checks the invariants of docs/semantics.md section 7 on an event log or one run of a store.",
                "With --follow, audits every run of a database as its events are committed, until stopped.",
                "Exit 0: clean; 1: findings (one line each: [run=ID] invariant, seq, object, sentence); 2: malformed input."})
final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG_OR_STORE", arity = "0..1", description = "a JSON-lines log, an embedded store file, or a jdbc: URL")
    String source;

    @Option(names = "--run", paramLabel = "ID", description = "the run of the store to read (default: its only run; 'revokefs runs STORE' lists them)")
    String run;

    @Option(names = "--follow", paramLabel = "URL", description = "audit every run of the database at URL as its events are committed"
            + " (an Axon tracking processor; its token is kept in the database, so a follower stopped or killed"
            + " resumes where it stopped, auditing each event once)")
    String follow;

    @Option(names = "--prefix", description = "audit the complete lines of a log whose last line was cut (a killed run)")
    boolean prefix;

    @Option(names = "--idle", paramLabel = "SECONDS", description = "with --follow: stop after SECONDS without a new event (default: run until stopped)")
    Integer idle;

    /** Events per transaction of the follower (token, findings and progress commit together). */
    static final int FOLLOW_BATCH = 500;

    @Override
    public Integer call() {
        if ((source == null) == (follow == null)) {
            throw new InputException("give either LOG_OR_STORE or --follow URL");
        }
        if (follow != null) {
            if (run != null) {
                throw new InputException("--follow audits every run: --run does not apply");
            }
            return follow();
        }
        if (idle != null) {
            throw new InputException("--idle applies to --follow");
        }
        var out = spec.commandLine().getOut();
        long cutTail = LogSource.forEach(source, run, e -> { }, prefix);
        int[] findings = {0};
        Auditor auditor = new Auditor(f -> {
            findings[0]++;
            out.println(line(f));
        });
        LogSource.forEach(source, run, auditor::accept, prefix);
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

    /** One finding as one line, ids escaped ({@link Auditor.Finding#line()}). */
    static String line(Auditor.Finding f) {
        return f.line();
    }

    private int follow() {
        if (!follow.startsWith("jdbc:")) {
            throw new InputException("--follow " + follow + ": give the jdbc: URL of the database (the store all writers record into)");
        }
        if (idle != null && idle < 1) {
            throw new InputException("--idle must be at least 1 second, got " + idle);
        }
        PrintWriter out = spec.commandLine().getOut();
        AtomicLong findings = new AtomicLong();
        Follower follower;
        try {
            follower = Follower.start(follow, LogSource.jdbcUser(), LogSource.jdbcPassword(), FOLLOW_BATCH, rf -> {
                findings.incrementAndGet();
                synchronized (out) {
                    out.println("run=" + rf.run() + " " + line(rf.finding()));
                    out.flush();
                }
            });
        } catch (StoreException e) {
            throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
        } catch (RuntimeException e) {
            throw new InputException("cannot follow " + follow + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            follower.close();
            stopped.countDown();
        }, "revokefs-follow-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            long seen = -1;
            long quietSince = System.nanoTime();
            while (!stopped.await(200, TimeUnit.MILLISECONDS)) {
                if (follower.failed()) {
                    throw new InputException("the follower of " + follow + " stopped on an error (see the log above)");
                }
                long now = follower.audited();
                if (now != seen) {
                    seen = now;
                    quietSince = System.nanoTime();
                } else if (idle != null && System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(idle)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                follower.close();
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook closes the follower
            }
        }
        out.println("followed " + follow + ": " + follower.audited() + " events audited, " + findings.get() + " finding(s)");
        return findings.get() == 0 ? Main.OK : Main.FINDINGS;
    }
}
