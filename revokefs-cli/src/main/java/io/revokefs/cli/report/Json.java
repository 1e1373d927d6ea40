package io.revokefs.cli.report;

import java.util.Locale;

/**
 * JSON text for the page's inline data. Besides JSON's own escapes, {@code <}, {@code >} and
 * {@code &} are written as {@code \\uXXXX}, and so are characters XML forbids, so the data is the
 * same text for an HTML parser (a script's raw text) and for an XML one.
 */
final class Json {
    private Json() {
    }

    /** Appends {@code s} as a JSON string. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c >= 0x7f) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
