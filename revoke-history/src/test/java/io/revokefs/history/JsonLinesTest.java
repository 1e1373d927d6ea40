package io.revokefs.history;

import io.revokefs.kernel.Errno;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent.AccessRefused;
import io.revokefs.core.event.RevokeEvent.FileOpened;
import io.revokefs.core.event.RevokeEvent.OpenRefused;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonLinesTest {
    @TempDir
    Path dir;

    @Test
    void writesTheEnvelopeFirstThenTheFieldsThenT() {
        String line = JsonLines.toLine(new RecordedEvent(3, 1200, new FileOpened(Logs.RES0, "file-1", 7)));
        assertThat(line).isEqualTo("{\"v\":1,\"seq\":3,\"type\":\"FileOpened\",\"object\":\"" + Logs.RES0
                + "\",\"file\":\"file-1\",\"pid\":7,\"t\":1200}");
    }

    @Test
    void writesEnumsByNameAndOmitsTheAbsentOneOfFileAndVma() {
        assertThat(JsonLines.toLine(new RecordedEvent(1, 0, new OpenRefused("o", "file-1", 7, Errno.ENODEV))))
                .contains("\"errno\":\"ENODEV\"");
        assertThat(JsonLines.toLine(new RecordedEvent(1, 0, new AccessRefused("o", "fault", "SIGBUS", null, "vma-1"))))
                .contains("\"vma\":\"vma-1\"").doesNotContain("file");
    }

    @Test
    void everyEventTypeSurvivesExportAndImport() throws IOException {
        List<RecordedEvent> events = Logs.numbered(Logs.everyType());
        assertThat(events).extracting(RecordedEvent::type).containsAll(EventCodec.TYPES.keySet());
        Path file = dir.resolve("log.jsonl");
        JsonLines.export(events.stream(), file);
        assertThat(Files.readAllLines(file)).hasSize(events.size());
        assertThat(JsonLines.readAll(file)).isEqualTo(events);
        try (Stream<RecordedEvent> s = JsonLines.stream(file)) {
            assertThat(s).containsExactlyElementsOf(events);
        }
    }

    @Test
    void writesToAWriter() throws IOException {
        StringWriter w = new StringWriter();
        JsonLines.write(Logs.numbered(Logs.uioRun()), w);
        assertThat(w.toString().lines()).hasSize(Logs.uioRun().size()).allMatch(l -> l.startsWith("{\"v\":1,"));
    }

    @Test
    void aSeqGapIsNotAnInputError() throws IOException {
        String log = line(1) + "\n" + line(5) + "\n";
        assertThat(read(log)).extracting(RecordedEvent::seq).containsExactly(1L, 5L);
    }

    @Test
    void acceptsCrLfAndFieldsItDoesNotKnow() throws IOException {
        String log = line(1).replace("\"pid\":7", "\"pid\":7,\"comm\":\"cat\"") + "\r\n" + line(2) + "\r\n";
        assertThat(read(log)).hasSize(2);
    }

    @Test
    void badJsonNamesTheLine() {
        assertMalformed(line(1) + "\n" + line(2) + "\n{\"v\":1,\"seq\":3,\n", 3, "bad JSON");
    }

    @Test
    void aMissingRequiredFieldIsNamed() {
        assertMalformed(line(1) + "\n" + line(2).replace(",\"pid\":7", "") + "\n", 2,
                "missing required field 'pid' of FileOpened");
        assertMalformed(line(1).replace("\"seq\":1,", "") + "\n", 1, "missing required field 'seq'");
        assertMalformed(line(1).replace(",\"object\":\"" + Logs.RES0 + "\"", "") + "\n", 1,
                "missing required field 'object'");
    }

    @Test
    void anUnknownTypeIsNamed() {
        assertMalformed(line(1) + "\n" + line(2).replace("FileOpened", "FileOpenned") + "\n", 2,
                "unknown type 'FileOpenned'");
    }

    @Test
    void anUnknownVersionIsNamed() {
        assertMalformed(line(1).replace("\"v\":1", "\"v\":7") + "\n", 1, "unknown schema version v=7");
    }

    @Test
    void anUnknownEnumValueIsNamed() {
        String refused = JsonLines.toLine(new RecordedEvent(1, 0, new OpenRefused("o", "file-1", 7, Errno.ENODEV)));
        assertMalformed(refused.replace("ENODEV", "ENOPE") + "\n", 1, "field 'errno' has unknown Errno value \"ENOPE\"");
    }

    @Test
    void aLineOverOneMebibyteIsRefusedWithoutReadingItWhole() {
        String huge = line(2).replace("\"pid\":7", "\"pid\":7,\"pad\":\"" + "x".repeat(JsonLines.MAX_LINE_BYTES) + "\"");
        assertMalformed(line(1) + "\n" + huge + "\n" + line(3) + "\n", 2, "line longer than 1048576 bytes");
    }

    @Test
    void aLineOfExactlyOneMebibyteIsAccepted() throws IOException {
        String base = line(1).replace("\"pid\":7", "\"pid\":7,\"pad\":\"\"");
        String exact = base.replace("\"pad\":\"\"", "\"pad\":\"" + "x".repeat(JsonLines.MAX_LINE_BYTES - base.length()) + "\"");
        assertThat(exact.getBytes(StandardCharsets.UTF_8)).hasSize(JsonLines.MAX_LINE_BYTES);
        assertThat(read(exact + "\n")).hasSize(1);
    }

    @Test
    void anEmptyLineIsAnError() {
        assertMalformed(line(1) + "\n\n" + line(2) + "\n", 2, "empty line");
    }

    @Test
    void theStreamingReaderCountsLinesAndStopsAtTheBadOne() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, line(1) + "\n" + line(2) + "\nnot json\n");
        List<Long> seen = new ArrayList<>();
        try (JsonLines.LogReader reader = JsonLines.open(file)) {
            assertThatThrownBy(() -> {
                while (reader.hasNext()) {
                    seen.add(reader.next().seq());
                }
            }).isInstanceOf(MalformedLogException.class).hasMessageStartingWith("line 3: bad JSON");
            assertThat(reader.lineNumber()).isEqualTo(3);
        }
        assertThat(seen).containsExactly(1L, 2L);
    }

    private static String line(long seq) {
        return JsonLines.toLine(new RecordedEvent(seq, seq, new FileOpened(Logs.RES0, "file-" + seq, 7)));
    }

    private static List<RecordedEvent> read(String log) throws IOException {
        return JsonLines.readAll(new ByteArrayInputStream(log.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertMalformed(String log, long line, String problem) {
        assertThatThrownBy(() -> read(log))
                .isInstanceOfSatisfying(MalformedLogException.class, e -> {
                    assertThat(e.lineNumber()).isEqualTo(line);
                    assertThat(e.problem()).startsWith(problem);
                })
                .hasMessageStartingWith("line " + line + ": " + problem);
    }
}
