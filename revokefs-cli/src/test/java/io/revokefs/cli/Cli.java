package io.revokefs.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command in-process and keeps what it printed. */
record Cli(int code, String out, String err) {

    /** A new script in {@code dir} holding {@code lines}. */
    static java.nio.file.Path script(java.nio.file.Path dir, String... lines) throws java.io.IOException {
        java.nio.file.Path p = dir.resolve("s" + System.nanoTime() + ".scenario");
        java.nio.file.Files.write(p, java.util.List.of(lines));
        return p;
    }

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Cli(code, out.toString(), err.toString());
    }
}
