package io.revokefs.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading a script file: UTF-8 text, lines split at {@code \n} (a {@code \r} before it is dropped). */
public final class ScriptFiles {
    private ScriptFiles() {
    }

    /**
     * The lines of {@code file}. Bytes that are not UTF-8 are a malformed script naming the line they
     * are on ({@code script:line}); control characters are found by the parser, with their line.
     */
    public static List<String> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                lines.add(decode(file, lines.size() + 1, bytes, start, end));
                start = i + 1;
            }
        }
        return lines;
    }

    private static String decode(Path file, int line, byte[] bytes, int from, int to) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer c = d.decode(ByteBuffer.wrap(bytes, from, to - from));
            return c.toString();
        } catch (CharacterCodingException e) {
            throw new ScenarioException(ScenarioException.Kind.MALFORMED, file + ":" + line,
                    "not UTF-8 text (is this a binary file?)");
        }
    }
}
