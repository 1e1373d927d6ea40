package io.revokefs.cli;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.history.EventStores;
import io.revokefs.history.JsonLines;
import io.revokefs.history.MalformedLogException;
import io.revokefs.history.RevokeEventStore;

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
 * otherwise.
 */
final class LogSource {
    private LogSource() {
    }

    /** Streams every event, in seq order, to {@code sink}. Problems become {@link InputException}s. */
    static void forEach(String source, Consumer<RecordedEvent> sink) {
        forEach(source, sink, false);
    }

    /**
     * As {@link #forEach(String, Consumer)}; with {@code completePrefix}, a cut last line of a
     * JSON-lines log (a writer killed mid-line) ends it instead of being an error.
     *
     * @return the number of the cut last line that ended the log, 0 when there was none
     */
    static long forEach(String source, Consumer<RecordedEvent> sink, boolean completePrefix) {
        if (source.startsWith("jdbc:")) {
            try (RevokeEventStore store = openJdbc(source); Stream<RecordedEvent> s = store.readAll()) {
                s.forEach(sink);
            } catch (InputException e) {
                throw e;
            } catch (Exception e) {
                throw new InputException("cannot read the store at " + source + ": " + rootMessage(e), Main.BAD_INPUT, e);
            }
            return 0;
        }
        Path embedded = embeddedStore(source);
        if (embedded != null) {
            try (RevokeEventStore store = EventStores.embedded(embedded); Stream<RecordedEvent> s = store.readAll()) {
                s.forEach(sink);
            } catch (Exception e) {
                throw new InputException("cannot read the store " + source + ": " + rootMessage(e), Main.BAD_INPUT, e);
            }
            return 0;
        }
        Path file = Path.of(source);
        if (Files.isDirectory(file)) {
            throw new InputException(source + ": is a directory, not a log file or store");
        }
        if (!Files.isRegularFile(file)) {
            throw new InputException(source + ": no such log file or store");
        }
        if (!Files.isReadable(file)) {
            throw new InputException(source + ": not readable");
        }
        try (JsonLines.LogReader reader = JsonLines.open(file, completePrefix)) {
            while (reader.hasNext()) {
                sink.accept(reader.next());
            }
            return reader.cutTailLine();
        } catch (MalformedLogException e) {
            throw new InputException(source + ": " + e.getMessage()
                    + (e.cutTail() ? " (--prefix reads the complete lines before it)" : ""), Main.BAD_INPUT, e);
        } catch (IOException | UncheckedIOException e) {
            throw new InputException("cannot read " + source + ": " + rootMessage(e), Main.BAD_INPUT, e);
        }
    }

    /** Every event of the source, validated before it is returned. */
    static List<RecordedEvent> readAll(String source) {
        java.util.ArrayList<RecordedEvent> all = new java.util.ArrayList<>();
        forEach(source, all::add);
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

    private static RevokeEventStore openJdbc(String url) {
        String user = System.getenv().getOrDefault("REVOKEFS_JDBC_USER", "");
        String password = System.getenv().getOrDefault("REVOKEFS_JDBC_PASSWORD", "");
        return EventStores.jdbc(url, user, password);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
