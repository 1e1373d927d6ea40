package io.revokefs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code revokefs} command: runs scenario scripts on the simulation, audits and replays event
 * logs, draws reports. Exit codes: 0 success, 1 a finding or an unmet {@code expect}, 2 bad input
 * (a malformed script or log, a missing file, an unreadable store, a usage error).
 */
@Command(name = "revokefs", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Revoke for pseudo-filesystems, on a simulated kernel: run scenarios, audit, replay, report.",
        subcommands = {RunCommand.class, RunsCommand.class, AuditCommand.class, ReplayCommand.class, ReportCommand.class, ExploreCommand.class, FuzzCommand.class})
public final class Main {
    /** Success. */
    public static final int OK = 0;
    /** A finding, or an {@code expect} that did not hold. */
    public static final int FINDINGS = 1;
    /** Bad input: malformed script or log, missing file, unreadable store, bad usage. */
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command with the given streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        // The descriptions are written in lines of up to 100 characters; the default width is 80.
        cl.setUsageHelpWidth(110);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Input problems are reported as one line naming what and where; anything else is a bug
            // of ours and keeps its stack trace.
            if (e instanceof InputException ie) {
                commandLine.getErr().println("revokefs: " + ie.getMessage());
                return ie.exitCode();
            }
            throw e;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"revokefs " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
