package io.revokefs.cli;

/**
 * A problem with what the user gave the command (a file, a script line, a log line, a store): its
 * message names the problem and where, and is printed without a stack trace.
 */
final class InputException extends RuntimeException {
    private final int exitCode;

    InputException(String message) {
        this(message, Main.BAD_INPUT, null);
    }

    InputException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
