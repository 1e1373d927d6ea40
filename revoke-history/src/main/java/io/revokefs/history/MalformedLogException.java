package io.revokefs.history;

/**
 * A JSON-lines event log that cannot be read: bad JSON, a missing required field, an unknown
 * {@code type} or {@code v}, a line over {@link JsonLines#MAX_LINE_BYTES}. The message names the line
 * and the problem, for example {@code "line 12: unknown type 'FileOpenned'"}.
 *
 * <p>This is an input error, not an audit finding: a log whose {@code seq} has gaps reads fine and
 * is reported by the {@link Auditor}. The all-or-nothing readers ({@link JsonLines#readAll}, {@link
 * RevokeEventStore#importLog}) throw it before anything is returned or stored.
 */
public final class MalformedLogException extends RuntimeException {
    private final long lineNumber;
    private final String problem;
    private final boolean cutTail;

    MalformedLogException(long lineNumber, String problem, Throwable cause) {
        this(lineNumber, problem, cause, false);
    }

    MalformedLogException(long lineNumber, String problem, Throwable cause, boolean cutTail) {
        super("line " + lineNumber + ": " + problem, cause);
        this.lineNumber = lineNumber;
        this.problem = problem;
        this.cutTail = cutTail;
    }

    /**
     * Whether the bad line is the log's last, without a line end, and not whole JSON: the mark of a
     * writer killed mid-line. The lines before it are a complete prefix ({@link
     * JsonLines#open(java.nio.file.Path, boolean)} reads just them).
     */
    public boolean cutTail() {
        return cutTail;
    }

    /** The 1-based number of the offending line. */
    public long lineNumber() {
        return lineNumber;
    }

    /** What is wrong with the line, without the line number. */
    public String problem() {
        return problem;
    }
}
