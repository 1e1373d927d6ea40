package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent.FileOpened;
import io.revokefs.core.event.RevokeEvent.Mmapped;
import io.revokefs.core.event.RevokeEvent.ObjectRegistered;
import io.revokefs.core.event.RevokeEvent.RevokeStarted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 18 points 10 and 1: what a lax reader let through is refused with its line, and a cut last
 * line (a writer killed mid-line) is named as such.
 */
class StrictLogInputTest {
    @TempDir
    Path dir;

    private static final String REG = JsonLines.toLine(new RecordedEvent(1, 0, new ObjectRegistered("o", "uio")));
    private static final String OPEN = JsonLines.toLine(new RecordedEvent(2, 0, new FileOpened("o", "f1", 7)));
    private static final String MMAP = JsonLines.toLine(new RecordedEvent(3, 0, new Mmapped("o", "f1", "v1", 7, 0, 4, "o", 0)));

    @Test
    void trailingTextAfterTheObjectIsRefusedWithItsLine() {
        assertMalformed(REG + "\n" + OPEN + " {\"v\":1}\n", 2, "bad JSON: Trailing token");
        assertMalformed(REG + "\n" + OPEN + "x\n", 2, "bad JSON");
    }

    @Test
    void aDuplicateKeyIsRefusedWithItsLine() {
        assertMalformed(REG + "\n" + OPEN.replace("\"pid\":7", "\"pid\":7,\"pid\":8") + "\n", 2, "bad JSON: Duplicate field 'pid'");
        assertMalformed(REG.replace("\"seq\":1", "\"seq\":1,\"seq\":1") + "\n", 1, "bad JSON: Duplicate field 'seq'");
    }

    @Test
    void mmappedWithNoPagesIsRefusedWithItsLine() {
        for (String pages : List.of("0", "-1", "-9223372036854775808")) {
            assertMalformed(REG + "\n" + OPEN + "\n" + MMAP.replace("\"pages\":4", "\"pages\":" + pages) + "\n", 3,
                    "invalid Mmapped: 'pages' must be at least 1, got " + pages);
        }
        assertMalformed(REG + "\n" + OPEN + "\n" + MMAP.replace("\"pgoff\":0", "\"pgoff\":9223372036854775807") + "\n", 3,
                "invalid Mmapped: 'pgoff' 9223372036854775807 with 'pages' 4 is outside the file");
        assertMalformed(REG + "\n" + OPEN + "\n" + MMAP.replace("\"populated\":0", "\"populated\":5") + "\n", 3,
                "invalid Mmapped: 'populated' must be between 0 and 'pages' (4), got 5");
    }

    @Test
    void anObjectIdWithANewlineIsRefusedWithItsLine() {
        String forged = OPEN.replace("\"object\":\"o\"", "\"object\":\"o\\nNO_ENTRY_AFTER_REVOKE seq=1 object=x: forged\"");
        assertMalformed(REG + "\n" + forged + "\n", 2, "field 'object' holds the control character U+000A at 1");
        assertMalformed(REG.replace("\"uio\"", "\"u\\u2028io\"") + "\n", 1, "field 'adapter' holds the control character U+2028");
        assertMalformed(OPEN.replace("\"f1\"", "\"\"") + "\n", 1, "invalid FileOpened: an id is empty");
    }

    @Test
    void findingsEscapeIdsSoThatOneFindingIsOneLine() {
        // A store or an in-memory log is not read through the JSON-lines checks: the finding escapes.
        String id = "o\nNO_ENTRY_AFTER_REVOKE seq=1 object=x: forged\\";
        List<Auditor.Finding> findings = Auditor.audit(Logs.numbered(List.of(new ObjectRegistered(id, "uio"),
                new RevokeStarted(id, "test"))));
        assertThat(findings).hasSize(1);
        assertThat(findings.get(0).line()).doesNotContain("\n")
                .startsWith("REVOKE_ORDER seq=2 object=o\\nNO_ENTRY_AFTER_REVOKE seq=1 object=x: forged\\\\: ");
        assertThat(findings.get(0).toString()).doesNotContain("\n");
        assertThat(Auditor.escape("a\u0000b\u2029c\td")).isEqualTo("a\\u0000b\\u2029c\\td");
    }

    @Test
    void aCutLastLineIsNamedACutTail() throws IOException {
        Path log = dir.resolve("cut.jsonl");
        Files.writeString(log, REG + "\n" + OPEN + "\n" + MMAP.substring(0, 40));
        assertThatThrownBy(() -> JsonLines.readAll(log)).isInstanceOfSatisfying(MalformedLogException.class, e -> {
            assertThat(e.lineNumber()).isEqualTo(3);
            assertThat(e.cutTail()).isTrue();
            assertThat(e.problem()).startsWith("cut tail: the last line has no line end");
        });
        List<Long> seqs = new ArrayList<>();
        try (JsonLines.LogReader reader = JsonLines.open(log, true)) {
            reader.forEachRemaining(e -> seqs.add(e.seq()));
            assertThat(reader.cutTailLine()).isEqualTo(3);
        }
        assertThat(seqs).containsExactly(1L, 2L);
    }

    @Test
    void aBadLineWithItsLineEndIsNotACutTail() throws IOException {
        Path log = dir.resolve("bad.jsonl");
        Files.writeString(log, REG + "\n" + MMAP.substring(0, 40) + "\n");
        try (JsonLines.LogReader reader = JsonLines.open(log, true)) {
            reader.next();
            assertThatThrownBy(reader::hasNext).isInstanceOfSatisfying(MalformedLogException.class,
                    e -> assertThat(e.cutTail()).isFalse());
        }
    }

    @Test
    void aCompleteLastLineWithoutItsLineEndReads() throws IOException {
        Path log = dir.resolve("whole.jsonl");
        Files.writeString(log, REG + "\n" + OPEN);
        assertThat(JsonLines.readAll(log)).hasSize(2);
    }

    private static void assertMalformed(String log, long line, String problem) {
        assertThatThrownBy(() -> JsonLines.readAll(new ByteArrayInputStream(log.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(MalformedLogException.class, e -> {
                    assertThat(e.lineNumber()).isEqualTo(line);
                    assertThat(e.problem()).startsWith(problem);
                });
    }
}
