package io.revokefs.history;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.revokefs.core.event.RecordedEvent;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The JSON-lines form of the event log (docs/semantics.md section 7): one UTF-8 line per event,
 * <pre>{"v":1,"seq":3,"type":"FileOpened","object":"sysfs:/devices/x/resource0","file":"file-1","pid":7,"t":1200}</pre>
 * The envelope ({@code v}, {@code seq}, {@code type}, {@code object}) comes first, then the record's
 * fields under their component names, then {@code t} ({@link RecordedEvent#timeNanos()}). Enums are
 * written by name; absent optional fields (the unused one of {@code AccessRefused.file/vma}) are
 * omitted. Readers accept schema 1 and the older schema 0 (see docs/events.md), ignore fields they do
 * not know, and treat a missing {@code t} as 0.
 *
 * <p>Reading is strict: a line is one JSON object and nothing after it, with no key twice, and its
 * values pass {@link EventCodec}'s checks; an extra field of this library that is absent gets its
 * documented default, so a log with only the spec's fields reads. A last line without its line end
 * that does not parse is a <em>cut tail</em> (a writer killed mid-line): {@link
 * MalformedLogException#cutTail()} says so, and {@link #open(Path, boolean) open(file, true)} reads the
 * complete lines before it and stops there.
 *
 * <p>Two ways to read. {@link #readAll} is all-or-nothing: it returns every event or throws a {@link
 * MalformedLogException} naming the first bad line, having returned nothing. {@link #open} and {@link
 * #stream} read lazily in bounded memory for big logs; they throw at the bad line, after the events
 * before it have been handed out (validate first, as {@link #validate} does, when nothing may be
 * used of a bad log). A {@code seq} that is not contiguous is not an input error (the {@link Auditor}
 * reports it).
 *
 * <p>Writing: {@link #appender} streams a run's log as it goes, batch by batch; {@link #export}
 * writes a finished log under a temporary name and moves it into place.
 *
 * <p>All methods are static and thread-safe; a {@link LogReader} is for one thread.
 */
public final class JsonLines {
    /** The longest line accepted, in bytes, without its line terminator: 1 MiB. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonLines() {
    }

    /** One event as its JSON line, without the line terminator. */
    public static String toLine(RecordedEvent event) {
        StringWriter w = new StringWriter(160);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
            EventCodec.write(g, event);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** Writes {@code events} to {@code out}, one line each, in iteration order; flushes, does not close. */
    public static void write(Iterable<RecordedEvent> events, Writer out) throws IOException {
        write(StreamSupport.stream(events.spliterator(), false), out);
    }

    /** Writes {@code events} to {@code out}, one line each, in stream order; flushes, does not close. */
    public static void write(Stream<RecordedEvent> events, Writer out) throws IOException {
        JsonGenerator g = MAPPER.getFactory().createGenerator(out);
        g.setRootValueSeparator(null);
        try {
            Iterator<RecordedEvent> it = events.iterator();
            while (it.hasNext()) {
                EventCodec.write(g, it.next());
                g.writeRaw('\n');
            }
        } finally {
            g.flush();
        }
    }

    /**
     * Exports {@code events} to {@code file} (UTF-8). The file is written under a temporary name
     * next to it and moved into place at the end, so a reader never sees a half-written export.
     */
    public static void export(Stream<RecordedEvent> events, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        // Not Files.createTempFile, which makes the file 0600 whatever the umask: a new file made the
        // ordinary way gets 0666 less the umask, as any log the user writes.
        Path tmp = abs.resolveSibling(abs.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(tmp,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), StandardCharsets.UTF_8), 1 << 16)) {
                write(events, w);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a whole log into memory. Every line is checked before anything is returned: on the first
     * malformed line this throws {@link MalformedLogException} (line number and problem) and returns
     * nothing.
     */
    public static List<RecordedEvent> readAll(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readAll(in);
        }
    }

    /** As {@link #readAll(Path)}, from a stream of UTF-8 bytes (not closed). */
    public static List<RecordedEvent> readAll(InputStream in) throws IOException {
        List<RecordedEvent> events = new ArrayList<>();
        LogReader reader = new LogReader(in, false, false);
        while (reader.hasNext()) {
            events.add(reader.next());
        }
        return events;
    }

    /**
     * Checks every line of {@code file} without keeping the events, and returns how many there
     * are; throws {@link MalformedLogException} on the first bad line.
     */
    public static long validate(Path file) throws IOException {
        long n = 0;
        try (LogReader reader = open(file)) {
            while (reader.hasNext()) {
                reader.next();
                n++;
            }
        }
        return n;
    }

    /** Opens a lazy reader over {@code file}; close it when done. A cut tail is an error. */
    public static LogReader open(Path file) throws IOException {
        return open(file, false);
    }

    /**
     * Opens a lazy reader over {@code file}; close it when done. With {@code completePrefix}, a cut
     * last line (no line end, does not parse: a writer killed mid-line) ends the log instead of
     * being an error, and {@link LogReader#cutTailLine()} names it afterwards.
     */
    public static LogReader open(Path file, boolean completePrefix) throws IOException {
        return new LogReader(Files.newInputStream(file), true, completePrefix);
    }

    /**
     * A writer of a run's log that streams it as the run goes: {@code file} is created, or emptied
     * if it exists (a log of an earlier run never survives beside this one), honouring the umask,
     * and every {@code batch} events the written lines are handed to the file. A process killed
     * mid-run leaves the complete lines of a prefix of the run, and at most one cut last line,
     * which readers name as a cut tail.
     */
    public static Appender appender(Path file, int batch) throws IOException {
        return new Appender(file, batch);
    }

    /** See {@link #appender}. Not thread-safe: call it from one thread, or under one lock. */
    public static final class Appender implements Closeable {
        private final Path file;
        private final Writer out;
        private final JsonGenerator g;
        private final int batch;
        private long lastSeq;
        private int unflushed;

        private Appender(Path file, int batch) throws IOException {
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            }
            this.file = file;
            this.batch = batch;
            this.out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), StandardCharsets.UTF_8), 1 << 16);
            this.g = MAPPER.getFactory().createGenerator(out);
            g.setRootValueSeparator(null);
        }

        /** Writes one event's line; hands the batch to the file when it is full. */
        public void append(RecordedEvent event) {
            try {
                EventCodec.write(g, event);
                g.writeRaw('\n');
                lastSeq = event.seq();
                if (++unflushed >= batch) {
                    flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }

        /** Hands every line written so far to the file. */
        public void flush() {
            try {
                g.flush();
                unflushed = 0;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }

        /** The seq of the last event written, 0 before the first. */
        public long lastSeq() {
            return lastSeq;
        }

        @Override
        public void close() throws IOException {
            try {
                g.close();
            } finally {
                out.close();
            }
        }
    }

    /**
     * A lazy stream over the events of {@code file}, in file order; close the stream to close the
     * file. A malformed line ends the stream with a {@link MalformedLogException}.
     */
    public static Stream<RecordedEvent> stream(Path file) throws IOException {
        LogReader reader = open(file);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(reader,
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(reader::close);
    }

    /** Parses one line; {@code lineNumber} is used in the exception. */
    static RecordedEvent parseLine(byte[] bytes, int length, long lineNumber) {
        return parseLine(bytes, length, lineNumber, false);
    }

    /** As above; {@code lastWithoutEnd}: the line is the file's last and has no line end. */
    static RecordedEvent parseLine(byte[] bytes, int length, long lineNumber, boolean lastWithoutEnd) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes, 0, length);
        } catch (JsonProcessingException e) {
            if (lastWithoutEnd) {
                throw new MalformedLogException(lineNumber, "cut tail: the last line has no line end and is not"
                        + " whole JSON (a writer stopped mid-line?): " + e.getOriginalMessage(), e, true);
            }
            throw new MalformedLogException(lineNumber, "bad JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (node == null || node.isMissingNode()) {
            throw new MalformedLogException(lineNumber, "empty line", null);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new MalformedLogException(lineNumber, "not a JSON object: " + abbreviate(node.toString()), null);
        }
        try {
            JsonNode v = object.get("v");
            if (v != null && v.isIntegralNumber() && v.asLong() == SchemaV0.VERSION) {
                SchemaV0.upcastLine(object);
            }
            return EventCodec.read(object);
        } catch (IllegalArgumentException e) {
            throw new MalformedLogException(lineNumber, e.getMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /**
     * A lazy reader of a JSON-lines log that knows the number of the line it last read. Memory use
     * is bounded by the longest line. {@link #hasNext()} and {@link #next()} throw {@link
     * MalformedLogException} at a bad line and {@link UncheckedIOException} on an I/O error.
     */
    public static final class LogReader implements Iterator<RecordedEvent>, Closeable {
        private final InputStream in;
        private final boolean ownsInput;
        private final boolean completePrefix;
        private long cutTailLine;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int limit;
        private boolean eof;
        private final ByteArrayOutputStream longLine = new ByteArrayOutputStream();
        private long lineNumber;
        private RecordedEvent next;

        LogReader(InputStream in, boolean ownsInput, boolean completePrefix) {
            this.in = in;
            this.ownsInput = ownsInput;
            this.completePrefix = completePrefix;
        }

        /**
         * The number of the cut last line this reader stopped at (a reader opened for the complete
         * prefix only), 0 when the log had none.
         */
        public long cutTailLine() {
            return cutTailLine;
        }

        /** The number of the last line read (1-based; 0 before the first). */
        public long lineNumber() {
            return lineNumber;
        }

        @Override
        public boolean hasNext() {
            if (next == null) {
                next = readEvent();
            }
            return next != null;
        }

        @Override
        public RecordedEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            RecordedEvent e = next;
            next = null;
            return e;
        }

        @Override
        public void close() {
            if (ownsInput) {
                try {
                    in.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        private RecordedEvent readEvent() {
            try {
                longLine.reset();
                boolean any = false;
                boolean ended = false;
                while (true) {
                    if (pos == limit) {
                        if (eof || !fill()) {
                            if (!any) {
                                return null;
                            }
                            break;
                        }
                    }
                    any = true;
                    int start = pos;
                    while (pos < limit && buf[pos] != '\n') {
                        pos++;
                    }
                    if (longLine.size() + (pos - start) > MAX_LINE_BYTES + 1) {
                        lineNumber++;
                        throw new MalformedLogException(lineNumber, "line longer than " + MAX_LINE_BYTES
                                + " bytes (1 MiB)", null);
                    }
                    longLine.write(buf, start, pos - start);
                    if (pos < limit) {
                        pos++; // the '\n'
                        ended = true;
                        break;
                    }
                }
                lineNumber++;
                byte[] line = longLine.toByteArray();
                int length = line.length;
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                if (length > MAX_LINE_BYTES) {
                    throw new MalformedLogException(lineNumber, "line longer than " + MAX_LINE_BYTES
                            + " bytes (1 MiB)", null);
                }
                try {
                    return parseLine(line, length, lineNumber, !ended);
                } catch (MalformedLogException e) {
                    if (completePrefix && e.cutTail()) {
                        cutTailLine = lineNumber;
                        return null;
                    }
                    throw e;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading line " + (lineNumber + 1), e);
            }
        }

        private boolean fill() throws IOException {
            int n = in.read(buf);
            if (n <= 0) {
                eof = true;
                pos = limit = 0;
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        }
    }
}
