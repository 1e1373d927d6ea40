package io.revokefs.cli.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Headless Chromium (Debian's {@code chromium} package) for the report's tests. */
final class Chromium {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 120;

    private Chromium() {
    }

    /** Runs headless Chromium with {@code args} in a fresh profile; returns its stdout. */
    static String run(String... args) throws Exception {
        Path profile = Files.createTempDirectory("revokefs-chromium-");
        Path out = Files.createTempFile("revokefs-chromium-", ".out");
        Path err = Files.createTempFile("revokefs-chromium-", ".err");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("chromium did not finish in " + TIMEOUT_SECONDS + " s; stderr:\n" + tail(err));
            }
            assertThat(p.exitValue()).as("chromium's exit status; stderr:\n%s", tail(err)).isZero();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            // Chromium forks helpers (zygote, crashpad): end them with it.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            deleteTree(profile);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Whether Chromium is installed. */
    static boolean available() {
        return Files.isExecutable(CHROMIUM);
    }

    /**
     * Returns when Chromium is installed; else skips the test, or fails it under CI ({@code CI=true})
     * unless scripts/test.sh tried to install it and could not.
     */
    static void require() {
        if (Files.isExecutable(CHROMIUM)) {
            return;
        }
        String message = CHROMIUM + " is missing: install Debian's chromium package (scripts/test.sh does so when run as root)";
        // scripts/test.sh tried to install it and could not (no package registry, not root): it says why.
        String installFailed = System.getenv("REVOKEFS_CHROMIUM_UNAVAILABLE");
        if (installFailed != null && !installFailed.isBlank()) {
            assumeTrue(false, message + "; scripts/test.sh could not install it: " + installFailed);
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message);
        }
        assumeTrue(false, message + "; skipping the browser test outside CI");
    }

    private static String tail(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
