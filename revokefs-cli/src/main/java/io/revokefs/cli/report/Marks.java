package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How each event type is drawn: its row of the timeline, its shape, its colour. The page's CSS and
 * its legend are generated from this one table, so a mark, its legend entry and its histogram bar
 * always agree.
 */
final class Marks {

    /** The rows of an object's timeline, top to bottom. */
    enum Row {
        LIFE("life · revoke"),
        FILES("files"),
        MMAPS("mmaps"),
        FAULTS("faults"),
        REFUSED("refused");

        final String label;

        Row(String label) {
            this.label = label;
        }
    }

    enum Shape { CIRCLE, SQUARE, TRI_UP, TRI_DOWN, DIAMOND, CROSS, TICK }

    /**
     * @param dy vertical offset from the row's centre line: starts (open, mmap) above, ends (release,
     *     close, unmap) below, so that marks at the same instant stay apart
     * @param hollow drawn as an outline in {@code color} (refusals and ends)
     */
    record Style(Row row, Shape shape, int dy, String color, boolean hollow, String legend) {
    }

    static final String REFUSED = "#c62828";
    /** A refusal the scenario line expected: drawn, but not as an alarm. */
    static final String REFUSED_EXPECTED = "#a1887f";
    /** A refusal the driver's own check gave (the object is live). */
    static final String REFUSED_BY_DRIVER = "#6a1b9a";
    /** The style key of a {@code Faulted} by eager population ({@code by=populate}). */
    static final String POPULATED = "Populated";
    static final String RELEASE_CLOSE = "#1565c0";
    static final String RELEASE_REVOKE = "#ef6c00";
    private static final Style OTHER = new Style(Row.LIFE, Shape.CIRCLE, 0, "#757575", false, "other");

    /**
     * Every event type, in schema order: the records {@link RevokeEvent} permits, in the order they
     * are declared (docs/semantics.md section 7), so a new type is counted without a list to update.
     */
    static final List<String> EVENT_TYPES = Arrays.stream(RevokeEvent.class.getPermittedSubclasses())
            .map(Class::getSimpleName).toList();

    /** By event type, in the order of the legend. */
    static final Map<String, Style> STYLES = new LinkedHashMap<>();

    static {
        STYLES.put("ObjectRegistered", new Style(Row.LIFE, Shape.DIAMOND, 0, "#37474f", false, "object registered"));
        STYLES.put("FileOpened", new Style(Row.FILES, Shape.CIRCLE, -6, "#2e7d32", false, "file opened"));
        STYLES.put("OpenRefused", new Style(Row.FILES, Shape.CIRCLE, -6, REFUSED, true, "open refused"));
        STYLES.put("FileReleased", new Style(Row.FILES, Shape.SQUARE, 6, RELEASE_CLOSE, false, "released"));
        STYLES.put("FileClosed", new Style(Row.FILES, Shape.SQUARE, 6, "#546e7a", true, "file closed"));
        STYLES.put("Mmapped", new Style(Row.MMAPS, Shape.TRI_UP, -5, "#6a1b9a", false, "mmapped"));
        STYLES.put("MmapRefused", new Style(Row.MMAPS, Shape.TRI_UP, -5, REFUSED, true, "mmap refused"));
        STYLES.put("VmaDuplicated", new Style(Row.MMAPS, Shape.DIAMOND, 0, "#ab47bc", false, "VMA duplicated (fork)"));
        STYLES.put("VmaUnmapped", new Style(Row.MMAPS, Shape.TRI_DOWN, 6, "#6a1b9a", true, "VMA unmapped"));
        STYLES.put("VmaClosed", new Style(Row.MMAPS, Shape.SQUARE, 6, "#8e24aa", false, "driver's vm close ran"));
        STYLES.put("Faulted", new Style(Row.FAULTS, Shape.TICK, 0, "#00838f", false, "fault (PFN installed)"));
        STYLES.put(POPULATED, new Style(Row.FAULTS, Shape.SQUARE, 0, "#80cbc4", false, "PFN installed by the mmap (eager)"));
        STYLES.put("AccessRefused", new Style(Row.REFUSED, Shape.CROSS, 0, REFUSED, false, "access refused"));
        STYLES.put("MappingsZapped", new Style(Row.LIFE, Shape.DIAMOND, 0, "#d84315", false, "mappings zapped"));
        STYLES.put("RevokeStarted", new Style(Row.LIFE, Shape.TICK, 0, "#bf360c", false, "revoke step"));
        STYLES.put("RevokeDrained", new Style(Row.LIFE, Shape.TICK, 0, "#bf360c", false, "revoke step"));
        STYLES.put("RevokeCompleted", new Style(Row.LIFE, Shape.TICK, 0, "#bf360c", false, "revoke step"));
    }

    private Marks() {
    }

    /**
     * How one event is drawn.
     *
     * @param key its style key in {@link #STYLES}: the event type, or {@link #POPULATED}
     * @param classes the mark's classes: {@code ev ev-<key>} and the qualifiers {@code cause-CLOSE},
     *     {@code cause-REVOKE} (FileReleased), {@code expected} / {@code unexpected} (a refusal in a log
     *     from a scenario run), {@code by-driver} (a refusal of the driver's own check)
     * @param note what the mark means beyond the event's fields, for its tooltip ("" if nothing)
     */
    record Kind(String key, String classes, String note) {
        /** One plain kind per key, made once: a large log asks for millions. */
        private static final Map<String, Kind> PLAIN = new java.util.concurrent.ConcurrentHashMap<>();

        static Kind of(String key) {
            return PLAIN.computeIfAbsent(key, k -> new Kind(k, "ev ev-" + k, ""));
        }
    }

    static Kind kindOf(RecordedEvent e) {
        return e.event().accept(KINDS);
    }

    /** Whether a refusal's {@code expect} says the scenario line expected a failure. */
    static boolean expected(String expect) {
        return expect != null && !expect.equals("ok");
    }

    private static Kind refusal(String type, String expect, String by) {
        boolean driver = AccessRefused.DRIVER.equals(by);
        String cls = "ev ev-" + type + (expect == null ? "" : expected(expect) ? " expected" : " unexpected")
                + (driver ? " by-driver" : "");
        String note = (driver ? " · refused by the driver's own check, not by a revoke" : "")
                + (expect == null ? "" : expected(expect) ? " · expected by the scenario (expect=" + expect + ")"
                : " · not expected by the scenario (its line expected " + expect + ")");
        return new Kind(type, cls, note);
    }

    private static final Kind POPULATION = new Kind(POPULATED, "ev ev-" + POPULATED,
            " · eager population: the mmap installed this PFN, no fault ran");

    private static final RevokeEvent.Visitor<Kind> KINDS = new RevokeEvent.Visitor<>() {
        @Override
        public Kind visit(ObjectRegistered e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(FileOpened e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(OpenRefused e) {
            return refusal(e.type(), e.expect(), null);
        }

        @Override
        public Kind visit(Mmapped e) {
            return e.populated() > 0 ? new Kind(e.type(), "ev ev-" + e.type(), " · " + e.populated() + " page(s) populated by the mmap")
                    : Kind.of(e.type());
        }

        @Override
        public Kind visit(MmapRefused e) {
            return refusal(e.type(), e.expect(), null);
        }

        @Override
        public Kind visit(VmaDuplicated e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(VmaUnmapped e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(VmaClosed e) {
            return new Kind(e.type(), "ev ev-" + e.type() + " cause-" + e.cause().name(), " · closed by " + (e.cause()
                    == VmaClosed.Cause.REVOKE ? "the revoke" : "its unmap"));
        }

        @Override
        public Kind visit(Faulted e) {
            return Faulted.POPULATE.equals(e.by()) ? POPULATION : Kind.of(e.type());
        }

        @Override
        public Kind visit(AccessRefused e) {
            return refusal(e.type(), e.expect(), e.by());
        }

        @Override
        public Kind visit(RevokeStarted e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(RevokeDrained e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(MappingsZapped e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(MemoryToggled e) {
            return new Kind(e.type(), "ev ev-" + e.type() + " memory-" + e.memory(), " · memory " + e.memory() + " (" + e.cause() + ")");
        }

        @Override
        public Kind visit(FileReleased e) {
            return new Kind(e.type(), "ev ev-" + e.type() + " cause-" + e.cause().name(), "");
        }

        @Override
        public Kind visit(RevokeCompleted e) {
            return Kind.of(e.type());
        }

        @Override
        public Kind visit(FileClosed e) {
            return Kind.of(e.type());
        }
    };

    static Style styleOf(String type) {
        return STYLES.getOrDefault(type, OTHER);
    }

    /** The CSS rules of marks ({@code .ev-T}) and histogram bars ({@code .hist-T}). */
    static String css() {
        StringBuilder sb = new StringBuilder();
        sb.append(".ev{fill:").append(OTHER.color()).append("}\n");
        sb.append(".hist{fill:").append(OTHER.color()).append("}\n");
        for (Map.Entry<String, Style> e : STYLES.entrySet()) {
            Style s = e.getValue();
            String t = e.getKey();
            if (s.shape() == Shape.CROSS) {
                sb.append(".ev-").append(t).append("{fill:none;stroke:").append(s.color()).append(";stroke-width:2.5}\n");
            } else if (s.hollow()) {
                sb.append(".ev-").append(t).append("{fill:#fff;stroke:").append(s.color()).append(";stroke-width:2}\n");
            } else {
                sb.append(".ev-").append(t).append("{fill:").append(s.color()).append("}\n");
            }
            sb.append(".hist-").append(t).append("{fill:").append(s.color()).append("}\n");
        }
        sb.append(".ev-FileReleased.cause-REVOKE{fill:").append(RELEASE_REVOKE).append("}\n");
        sb.append(".ev-OpenRefused.expected,.ev-MmapRefused.expected,.ev-AccessRefused.expected{stroke:").append(REFUSED_EXPECTED)
                .append("}\n");
        sb.append(".ev-AccessRefused.by-driver{stroke:").append(REFUSED_BY_DRIVER).append("}\n");
        return sb.toString();
    }

    /**
     * Appends the SVG element of a mark centred at ({@code x}, {@code y}), without closing it; a
     * {@code seq} below 1 (a legend entry) writes no {@code data-seq}.
     */
    static void openShape(StringBuilder sb, Shape shape, double x, double y, String cls, long seq) {
        String attrs = " class=\"" + cls + "\"" + (seq > 0 ? " data-seq=\"" + seq + "\"" : "");
        switch (shape) {
            case CIRCLE -> sb.append("<circle").append(attrs).append(" cx=\"").append(f(x)).append("\" cy=\"").append(f(y))
                    .append("\" r=\"4.5\">");
            case SQUARE -> sb.append("<rect").append(attrs).append(" x=\"").append(f(x - 4)).append("\" y=\"").append(f(y - 4))
                    .append("\" width=\"8\" height=\"8\">");
            case TICK -> sb.append("<rect").append(attrs).append(" x=\"").append(f(x - 1)).append("\" y=\"").append(f(y - 9))
                    .append("\" width=\"2\" height=\"18\">");
            case TRI_UP -> sb.append("<polygon").append(attrs).append(" points=\"").append(points(x, y, 0, -5, 5, 4, -5, 4))
                    .append("\">");
            case TRI_DOWN -> sb.append("<polygon").append(attrs).append(" points=\"").append(points(x, y, 0, 5, 5, -4, -5, -4))
                    .append("\">");
            case DIAMOND -> sb.append("<polygon").append(attrs).append(" points=\"").append(points(x, y, 0, -6, 6, 0, 0, 6, -6, 0))
                    .append("\">");
            case CROSS -> sb.append("<path").append(attrs).append(" d=\"M").append(f(x - 4)).append(' ').append(f(y - 4))
                    .append(" L").append(f(x + 4)).append(' ').append(f(y + 4)).append(" M").append(f(x - 4)).append(' ')
                    .append(f(y + 4)).append(" L").append(f(x + 4)).append(' ').append(f(y - 4)).append("\">");
        }
    }

    static String closeShape(Shape shape) {
        return switch (shape) {
            case CIRCLE -> "</circle>";
            case SQUARE, TICK -> "</rect>";
            case TRI_UP, TRI_DOWN, DIAMOND -> "</polygon>";
            case CROSS -> "</path>";
        };
    }

    private static String points(double x, double y, double... offsets) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < offsets.length; i += 2) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(f(x + offsets[i])).append(',').append(f(y + offsets[i + 1]));
        }
        return sb.toString();
    }

    /** A coordinate with one decimal, whatever the default locale. */
    static String f(double v) {
        long tenths = Math.round(v * 10);
        return tenths % 10 == 0 ? Long.toString(tenths / 10) : String.format(Locale.ROOT, "%.1f", tenths / 10.0);
    }
}
