package io.revokefs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code revokefs} in a JVM of its own, on this test's class path. Its stdin is a pipe from the
 * test JVM: the child halts when it reaches end of file, so it never outlives a test JVM that was
 * killed.
 */
public final class CliChild {
    private CliChild() {
    }

    /** Starts {@code revokefs ARGS}; its stdout goes to {@code out}, its stderr to {@code err}. */
    static Process start(Path out, Path err, String... args) throws IOException {
        return start(java.util.Map.of(), out, err, args);
    }

    /** As {@link #start(Path, Path, String...)}, with {@code env} added to the child's environment. */
    static Process start(java.util.Map<String, String> env, Path out, Path err, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CliChild.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    public static void main(String[] args) {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is sent: wait for end of file
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone too
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
        Main.main(args);
    }
}
