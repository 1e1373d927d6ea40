package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Escaping and the wording of times, durations and event fields on the page. */
final class Text {
    private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();

    private Text() {
    }

    /**
     * {@code s} as text or an attribute value of XHTML: markup characters become entities, and
     * characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates) become a visible
     * {@code \\uXXXX}, so the page stays parseable by an XML parser as well as by a browser.
     */
    static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> forbidden(s, i) ? String.format(Locale.ROOT, "\\u%04x", (int) c) : null;
            };
            if (rep != null && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (rep != null) {
                    sb.append(rep);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static boolean forbidden(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x20) {
            return c != '\t' && c != '\n' && c != '\r';
        }
        if (c == 0xFFFE || c == 0xFFFF) {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    /** A duration in the unit that keeps it short: {@code 850 ns}, {@code 12.3 µs}, {@code 4.56 ms}, {@code 1.20 s}. */
    static String duration(long nanos) {
        long abs = Math.abs(nanos);
        if (abs < 1_000) {
            return nanos + " ns";
        }
        if (abs < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
        }
        if (abs < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** The event's fields but {@code object}, as {@code name=value} pairs; absent (null) fields are left out. */
    static String fields(RevokeEvent event) {
        RecordComponent[] components = COMPONENTS.computeIfAbsent(event.getClass(), Class::getRecordComponents);
        StringBuilder sb = new StringBuilder();
        for (RecordComponent c : components) {
            if (c.getName().equals("object")) {
                continue;
            }
            Object value;
            try {
                value = c.getAccessor().invoke(event);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + c, e);
            }
            if (value == null) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(c.getName()).append('=').append(value instanceof Long l && l == Long.MAX_VALUE ? "max" : value);
        }
        return sb.toString();
    }

    /** The one-line description of an event, as in a mark's tooltip. */
    static String describe(RecordedEvent e) {
        String fields = fields(e.event());
        return "#" + e.seq() + " " + e.type() + " at t=" + duration(e.timeNanos()) + (fields.isEmpty() ? "" : ": " + fields);
    }
}
