package io.revokefs.explore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Collects the one-line reports of a test run into {@code target/explore-report.txt} (fresh per JVM). */
final class ExploreReportFile {
    private static final Path FILE = Path.of(System.getProperty("explore.report", "target/explore-report.txt"));

    static {
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.writeString(FILE, "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ExploreReportFile() {
    }

    /** Prints the report's line (and its failure, if any) and appends the line to the file. */
    static synchronized Report add(Report r, String note) {
        String line = r.line() + (note.isEmpty() ? "" : " " + note);
        System.out.println(line);
        r.failure().ifPresent(f -> System.out.print(f.describe(25)));
        try {
            Files.writeString(FILE, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return r;
    }
}
