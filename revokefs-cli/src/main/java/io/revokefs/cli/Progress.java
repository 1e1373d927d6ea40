package io.revokefs.cli;

import java.io.PrintWriter;

/**
 * A progress bar on stderr, drawn only when stderr is a terminal (never into a file or a pipe,
 * where it would only add noise).
 */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean enabled;
    private long lastDrawn = -1;

    private Progress(PrintWriter err, String label, long total, boolean enabled) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
    }

    static Progress onTerminal(PrintWriter err, String label, long total) {
        return new Progress(err, label, total, System.console() != null && total > 0);
    }

    void update(long done) {
        if (!enabled) {
            return;
        }
        long pct = done * 100 / total;
        if (pct == lastDrawn) {
            return;
        }
        lastDrawn = pct;
        int filled = (int) (done * WIDTH / total);
        err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total);
        err.flush();
    }

    void done() {
        if (enabled && lastDrawn >= 0) {
            err.println();
        }
    }
}
