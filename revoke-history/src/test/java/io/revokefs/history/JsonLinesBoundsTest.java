package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The JSON-lines reader's bounds, exactly at them: a line of {@link JsonLines#MAX_LINE_BYTES} bytes
 * is read (JSON allows the spaces that pad it), one byte more is refused with its line number,
 * with and without a CR before the line end, and across the reader's buffer; a line that is JSON but
 * not an object is named, abbreviated past 80 characters. Found by mutation testing (issue 18 point
 * 12): the bounds' comparisons and the abbreviation were removable.
 */
class JsonLinesBoundsTest {
    @TempDir
    Path dir;

    private static String line(int seq) {
        return JsonLines.toLine(new RecordedEvent(seq, 100L * seq, new RevokeEvent.ObjectRegistered("o" + seq, "test")));
    }

    /** {@code line(seq)} padded with spaces inside the object's closing brace to {@code bytes} bytes. */
    private static String padded(int seq, int bytes) {
        String l = line(seq);
        return l.substring(0, l.length() - 1) + " ".repeat(bytes - l.length()) + "}";
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, content.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Test
    void aLineOfExactlyTheLimitIsReadAndOneByteMoreIsRefusedWithItsNumber() throws IOException {
        String atLimit = padded(2, JsonLines.MAX_LINE_BYTES);
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(JsonLines.MAX_LINE_BYTES);
        List<RecordedEvent> read = JsonLines.readAll(write("ok.jsonl", line(1) + "\n" + atLimit + "\n" + line(3) + "\n"));
        assertThat(read).extracting(RecordedEvent::seq).containsExactly(1L, 2L, 3L);
        // The CR of a CRLF line end is not counted.
        assertThat(JsonLines.readAll(write("crlf.jsonl", line(1) + "\r\n" + atLimit + "\r\n"))).hasSize(2);
        assertThat(JsonLines.readAll(write("last.jsonl", line(1) + "\n" + atLimit))).as("no line end after it").hasSize(2);

        String over = padded(2, JsonLines.MAX_LINE_BYTES + 1);
        for (String content : List.of(line(1) + "\n" + over + "\n", line(1) + "\n" + over + "\r\n", line(1) + "\n" + over)) {
            Path f = write("over.jsonl", content);
            assertThatThrownBy(() -> JsonLines.validate(f)).isInstanceOf(MalformedLogException.class)
                    .hasMessageContaining("line 2").hasMessageContaining("longer than " + JsonLines.MAX_LINE_BYTES);
        }
    }

    @Test
    void aLineThatIsNotAnObjectIsNamedAndAbbreviatedPastEightyCharacters() throws IOException {
        Path shortArray = write("short.jsonl", line(1) + "\n[1,2,3]\n");
        assertThatThrownBy(() -> JsonLines.validate(shortArray)).isInstanceOf(MalformedLogException.class)
                .hasMessageContaining("line 2").hasMessageContaining("not a JSON object: [1,2,3]");
        String eighty = "[" + "1,".repeat(38) + "11]";
        assertThat(eighty).hasSize(80);
        Path exactly = write("eighty.jsonl", eighty + "\n");
        assertThatThrownBy(() -> JsonLines.validate(exactly)).hasMessageContaining("not a JSON object: " + eighty);
        String longer = "[" + "1,".repeat(60) + "1]";
        Path longArray = write("long.jsonl", longer + "\n");
        assertThatThrownBy(() -> JsonLines.validate(longArray)).hasMessageContaining("not a JSON object: " + longer.substring(0, 77) + "...")
                .hasMessageNotContaining(longer);
    }
}
