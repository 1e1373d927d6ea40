package io.revokefs.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Target 5's baseline: the same events as JSON lines written and read by a plain Jackson {@link
 * ObjectMapper} (databind, nothing of revoke-history): one {@link Line} per line, the event's record
 * fields under {@code event} with its simple name as {@code type}, e.g.
 * <pre>{"seq":5,"t":81234,"event":{"type":"Faulted","object":"bench:/sys/...","vma":"vma-3","pgoff":2}}</pre>
 * Written through a {@code SequenceWriter} into a 64 KiB {@link BufferedWriter} (as {@code
 * JsonLines.export}), flushed once at the end, read back through a {@code MappingIterator} into
 * {@link RecordedEvent}s.
 */
final class PlainJsonLines {
    /** One line: the envelope and the event. */
    record Line(long seq, long t, RevokeEvent event) {
    }

    /** Jackson's polymorphic typing for the sealed interface, by simple name. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    interface EventMixin {
    }

    static final ObjectMapper MAPPER = new ObjectMapper()
            .addMixIn(RevokeEvent.class, EventMixin.class)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    static {
        for (Class<?> c : RevokeEvent.class.getPermittedSubclasses()) {
            MAPPER.registerSubtypes(new NamedType(c, c.getSimpleName()));
        }
    }

    /** Not flushed after each line (Jackson's default for a SequenceWriter): once, when the file is closed. */
    private static final ObjectWriter WRITER = MAPPER.writerFor(Line.class).withRootValueSeparator("\n")
            .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    private static final ObjectReader READER = MAPPER.readerFor(Line.class);
    private static final ObjectReader TREE_READER = MAPPER.readerFor(JsonNode.class);

    private PlainJsonLines() {
    }

    /**
     * A new UTF-8 file behind a 64 KiB buffer, as {@code JsonLines.export} writes: every JSON-lines
     * file of target 5 (the baseline's, the codec's, the 1,000,000-event log) is written through it.
     */
    static Writer newFile(Path file) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16);
    }

    /** Writes {@code events} to {@code file} (replacing it), one line each, and closes it. */
    static void write(List<RecordedEvent> events, Path file) throws IOException {
        try (Writer out = newFile(file);
             SequenceWriter w = WRITER.writeValues(out)) {
            for (RecordedEvent e : events) {
                w.write(new Line(e.seq(), e.timeNanos(), e.event()));
            }
        }
    }

    /** Reads every line of a file {@link #write} wrote, handing each event to {@code sink}; the count. */
    static long read(Path file, Consumer<RecordedEvent> sink) throws IOException {
        long n = 0;
        try (MappingIterator<Line> it = READER.readValues(file.toFile())) {
            while (it.hasNext()) {
                Line l = it.next();
                sink.accept(new RecordedEvent(l.seq(), l.t(), l.event()));
                n++;
            }
        }
        return n;
    }

    /** Parses every line of any JSON-lines file into a Jackson tree, handing each to {@code sink}; the count. */
    static long readTrees(Path file, Consumer<JsonNode> sink) throws IOException {
        long n = 0;
        try (MappingIterator<JsonNode> it = TREE_READER.readValues(file.toFile())) {
            while (it.hasNext()) {
                sink.accept(it.next());
                n++;
            }
        }
        return n;
    }
}
