package io.revokefs.cli;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.history.EventStores;
import io.revokefs.history.JsonLines;
import io.revokefs.history.MalformedLogException;
import io.revokefs.history.StoreException;
import io.revokefs.history.StoreReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where a command reads events from: a JSON-lines log, an embedded store file, or a JDBC URL. The
 * argument is read as a JDBC URL when it starts with {@code jdbc:}, as an embedded store when it
 * names an H2 file ({@code NAME.mv.db}, given with or without the suffix), and as a JSON-lines log
 * otherwise. A store holds runs: the one read is named by {@code --run}, or is the store's only
 * one. Stores are only read (never created, altered or repaired).
 */
final class LogSource {
    private LogSource() {
    }

    /** {@link #forEach(String, String, Consumer)} of the only run of a store, or of a log. */
    static void forEach(String source, Consumer<RecordedEvent> sink) {
        forEach(source, null, sink);
    }

    /**
     * Streams every event of run {@code run} of {@code source} (a store; null: its only run), or of
     * the JSON-lines log {@code source} ({@code run} must then be null), in seq order, to {@code
     * sink}. Stores are opened read-only and only if they exist. Problems become {@link
     * InputException}s.
     */
    static void forEach(String source, String run, Consumer<RecordedEvent> sink) {
        if (isStore(source)) {
            try (StoreReader reader = openStore(source); Stream<RecordedEvent> s = reader.read(run == null ? reader.onlyRun() : run)) {
                s.forEach(sink);
            } catch (InputException e) {
                throw e;
            } catch (StoreException e) {
                throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
            } catch (RuntimeException e) {
                throw new InputException("cannot read the store " + source + ": " + rootMessage(e), Main.BAD_INPUT, e);
            }
            return;
        }
        Path file = Path.of(source);
        if (!Files.isRegularFile(file)) {
            throw new InputException(source + ": no such log file or store");
        }
        if (run != null) {
            throw new InputException("--run " + run + ": " + source + " is a JSON-lines log, which holds one run; --run chooses a run of a store");
        }
        if (!Files.isReadable(file)) {
            throw new InputException(source + ": not readable");
        }
        try (JsonLines.LogReader reader = JsonLines.open(file)) {
            while (reader.hasNext()) {
                sink.accept(reader.next());
            }
        } catch (MalformedLogException e) {
            throw new InputException(source + ": " + e.getMessage(), Main.BAD_INPUT, e);
        } catch (IOException | UncheckedIOException e) {
            throw new InputException("cannot read " + source + ": " + rootMessage(e), Main.BAD_INPUT, e);
        }
    }

    /** Whether {@code source} names a store: a {@code jdbc:} URL or an existing {@code .mv.db} file. */
    static boolean isStore(String source) {
        return source.startsWith("jdbc:") || embeddedStore(source) != null;
    }

    /**
     * Opens the store {@code source} read-only ({@link #isStore} must hold).
     *
     * @throws InputException if it does not exist or is not a revokefs store
     */
    static StoreReader openStore(String source) {
        try {
            if (source.startsWith("jdbc:")) {
                return EventStores.readJdbc(source, jdbcUser(), jdbcPassword());
            }
            return EventStores.readEmbedded(embeddedStore(source));
        } catch (StoreException e) {
            throw new InputException(e.getMessage(), Main.BAD_INPUT, e);
        }
    }

    static String jdbcUser() {
        return System.getenv().getOrDefault("REVOKEFS_JDBC_USER", "");
    }

    static String jdbcPassword() {
        return System.getenv().getOrDefault("REVOKEFS_JDBC_PASSWORD", "");
    }

    /** Every event of the source, validated before it is returned. */
    static List<RecordedEvent> readAll(String source, String run) {
        java.util.ArrayList<RecordedEvent> all = new java.util.ArrayList<>();
        forEach(source, run, all::add);
        return all;
    }

    /** The H2 store path (without {@code .mv.db}) if {@code source} names one that exists; else null. */
    static Path embeddedStore(String source) {
        String base = source.endsWith(".mv.db") ? source.substring(0, source.length() - ".mv.db".length()) : source;
        if (Files.isRegularFile(Path.of(base + ".mv.db"))) {
            return Path.of(base);
        }
        return null;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
