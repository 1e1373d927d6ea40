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
        CommandLine cl = commandLine(usageWidth(System.getenv("COLUMNS")));
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
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            // Not a finding (1): the input was too big for this heap. Say so, with the way out.
            err.println("revokefs: out of memory (" + e.getMessage() + "); give the JVM more heap (-Xmx)");
            code = BAD_INPUT;
        }
        out.flush();
        err.flush();
        return code;
    }

    /** Narrowest help picocli lays out (its minimum usage width). */
    static final int MIN_WIDTH = 55;
    /** Help width when the terminal's is not known. */
    static final int DEFAULT_WIDTH = 80;

    /**
     * The help width for a terminal of {@code columns} (the {@code COLUMNS} environment variable,
     * exported by the shell or not): its value when it is a number, at least {@link #MIN_WIDTH};
     * {@link #DEFAULT_WIDTH} when it is absent or not a number. Every description is one sentence
     * or option text per element, so picocli wraps it between words at any width.
     */
    static int usageWidth(String columns) {
        if (columns == null) {
            return DEFAULT_WIDTH;
        }
        try {
            return Math.max(MIN_WIDTH, Integer.parseInt(columns.trim()));
        } catch (NumberFormatException e) {
            return DEFAULT_WIDTH;
        }
    }

    /** The command, its help laid out {@code width} columns wide. */
    static CommandLine commandLine(int width) {
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpWidth(width);
        return cl;
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
