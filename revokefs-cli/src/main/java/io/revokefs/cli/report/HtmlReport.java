package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.revokefs.cli.report.Text.escape;

/**
 * A self-contained HTML page for an event log: readable without a network (no scripts or styles
 * from elsewhere; tooltips are SVG {@code <title>} elements; one inline script draws the
 * state-at-seq view, and nothing else needs it).
 *
 * <p>The page: a summary, the run-wide timeline ({@link RunTimeline}, the first SVG), the
 * state-at-seq view ({@link StateView}), counts by event type, a legend, an index of the objects,
 * then a section per object with its timeline drawn as inline SVG (see {@link Timeline}) and a
 * table of its events. {@link RunAnalysis} reads the log once for the first two.
 * The markup is well-formed XML (XHTML syntax), so tests and tools can read it with an XML parser.
 *
 * <p>The page's size is bounded whatever the log's length ({@link Limits}): past the caps, marks
 * become histograms, tables keep their head and tail, and objects past the first few get an index
 * row but no timeline. The classes and {@code data-} attributes of the SVG are an interface for
 * tests; docs/report.md lists them.
 */
public final class HtmlReport {

    /**
     * How much of a large log the page draws.
     *
     * @param objects objects that get a timeline and an event table (the index lists more)
     * @param marksPerRow marks per row of a timeline before its most frequent types become a histogram
     * @param tableRows rows of an object's event table; past it, the first and last halves are kept
     * @param revokeDetails revokes per object spread out step by step under the rows
     * @param indexRows rows of the object index
     * @param stateStops seqs the state-at-seq view can stop at: every event of a log up to this
     *     length; past it, every k-th event and each cascade's first and closing events
     */
    public record Limits(int objects, int marksPerRow, int tableRows, int revokeDetails, int indexRows, int stateStops) {
        private static final int DEFAULT_STATE_STOPS = 5_000;

        /** Caps that keep a 1 000 000-event log to a few megabytes. */
        public static final Limits DEFAULT = new Limits(60, 150, 200, 5, 2000, DEFAULT_STATE_STOPS);

        public Limits {
            if (objects < 1 || marksPerRow < 1 || tableRows < 2 || revokeDetails < 0 || indexRows < 1 || stateStops < 1) {
                throw new IllegalArgumentException("limits out of range: " + this);
            }
        }

        /** The caps, with the default {@code stateStops}. */
        public Limits(int objects, int marksPerRow, int tableRows, int revokeDetails, int indexRows) {
            this(objects, marksPerRow, tableRows, revokeDetails, indexRows, DEFAULT_STATE_STOPS);
        }
    }

    /** Event types in schema order (docs/semantics.md section 7), for the summary. */
    private static final List<String> TYPES = Marks.EVENT_TYPES;

    /** Event tables up to this many rows are shown open; longer ones are folded. */
    private static final int OPEN_TABLE_ROWS = 40;

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px 32px;color:#222;background:#f4f6f8}
            h1{font-size:22px;margin:0 0 4px}
            h2{font-size:16px;margin:0 0 8px}
            .sub{color:#666;margin:0 0 16px}
            .stats{display:flex;gap:10px;flex-wrap:wrap;margin:0 0 16px}
            .stat{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:6px 14px;min-width:90px}
            .stat .n{display:block;font-size:22px;font-weight:600}
            .stat.bad .n{color:#c62828}
            .stat.bad{border-color:#c62828}
            svg.run-timeline{display:block;max-width:100%;height:auto}
            .lane-bg{fill:#f5f7f9}
            .lane-bg.odd{fill:#fff}
            svg text.lane-label{font:11px ui-monospace,SFMono-Regular,Menlo,monospace;fill:#37474f}
            svg text.device-label{font-weight:600;fill:#1565c0}
            .life{stroke:#b0bec5;stroke-width:2}
            .vma-span{stroke:#6a1b9a;stroke-width:2;opacity:.6}
            .zap{fill:#d84315;stroke:#fff;stroke-width:1}
            .refusal{fill:none;stroke:#c62828;stroke-width:2}
            .refusal.expected{stroke:#a1887f}
            .refusal.by-driver{stroke:#6a1b9a}
            .cause-root{fill:#1565c0;stroke:#fff;stroke-width:1.5}
            svg text.cause-label{fill:#1565c0;font-weight:600}
            .cause-link{fill:none;stroke:#1565c0;stroke-width:1.4;opacity:.8}
            .zap-link{fill:none;stroke:#d84315;stroke-width:1.4;stroke-dasharray:4 3}
            .arrow-head{fill:#546e7a}
            .cursor{stroke:#2e7d32;stroke-width:1.5;stroke-dasharray:2 2}
            .lane-band.incomplete{stroke-dasharray:4 2}
            .state-view .controls{margin:0 0 8px}
            #state-stop{width:600px;max-width:100%;vertical-align:middle}
            #state-seq{width:90px}
            .proc{display:inline-block;vertical-align:top;margin:0 16px 8px 0}
            .proc h3{font-size:13px;margin:4px 0}
            tr.head td{color:#555;font-weight:600}
            tr.sigbus-ready td{color:#c62828}
            tr.no-ptes td:nth-child(4){font-style:italic}
            tr.file.closed td{color:#78909c}
            .top{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
            .col{display:flex;flex-direction:column;min-width:0}
            .box{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:10px 14px;margin:0 0 16px}
            table{border-collapse:collapse}
            th,td{border-bottom:1px solid #eef1f4;padding:1px 8px;text-align:left;font-size:12px;vertical-align:top}
            th{color:#555;font-weight:600}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
            .bar{display:inline-block;height:9px;background:#90a4ae;border-radius:2px}
            section.object{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:12px 16px;margin:0 0 18px}
            section.object h2{font:600 15px ui-monospace,SFMono-Regular,Menlo,monospace;margin:0 0 2px;word-break:break-all}
            .meta{color:#555;margin:0 0 8px;font-size:12px}
            svg.timeline{display:block;max-width:100%;height:auto}
            svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#333}
            .row-bg{fill:#f5f7f9}
            .row-bg.odd{fill:#fff}
            .row-label{font-weight:600;fill:#546e7a}
            .grid{stroke:#dfe5ea;stroke-width:1}
            svg text.tick{fill:#78909c;font-size:10px}
            .revoke-band,.legend-band,.lane-band{fill:#ffccbc;stroke:#d84315;stroke-width:1.5}
            .revoke-band.incomplete{stroke-dasharray:4 2}
            .revoke-tick{stroke:#bf360c;stroke-width:1}
            svg text.band-label{fill:#bf360c;font-weight:600}
            .revoke-segment{stroke:#fff;stroke-width:1.5}
            .seg-RevokeStarted{fill:#ffcc80}
            .seg-RevokeDrained{fill:#ffab91}
            .seg-MappingsZapped{fill:#ef9a9a}
            svg text.duration{font-weight:600;fill:#3e2723}
            .revoke-step line{stroke:#bf360c;stroke-width:2}
            svg text.step-name{font-weight:600;fill:#bf360c}
            svg text.step-offset,svg text.detail-cause{fill:#78909c}
            svg text.detail-label{font-weight:600;fill:#546e7a}
            svg text.revoke-total{fill:#555}
            svg text.revoke-missing,svg text.note{fill:#78909c;font-style:italic}
            tr.refused td{color:#c62828}
            tr.refused.expected td{color:#8d6e63}
            tr.revoke td{color:#bf360c}
            tr.omitted td{text-align:center;color:#78909c;font-style:italic}
            details summary{cursor:pointer;color:#1565c0;margin:6px 0}
            svg.legend text{font-size:12px}
            a{color:#1565c0}
            """;

    private HtmlReport() {
    }

    /** The page for {@code events}, titled {@code title}, with the {@link Limits#DEFAULT default} caps. */
    public static String render(String title, List<RecordedEvent> events) {
        return render(title, events, Limits.DEFAULT);
    }

    /** The page for {@code events}, titled {@code title}, drawing no more than {@code limits} allow. */
    public static String render(String title, List<RecordedEvent> events, Limits limits) {
        return render(title, events::forEach, limits);
    }

    /**
     * A log the page reads twice, one event at a time, in seq order: {@code forEach} hands every
     * event to the consumer each time it is called (a list, or a log file read again).
     */
    @FunctionalInterface
    public interface Log {
        void forEach(Consumer<RecordedEvent> sink);
    }

    /**
     * The page for {@code log}, read twice and never held whole: the first pass counts and keeps the
     * events of the drawn objects, the second analyses the run ({@link RunAnalysis}). The memory is
     * what the page draws and the run's cascades and VMA lives, not the log's length (issue 18 point 9).
     */
    public static String render(String title, Log log, Limits limits) {
        StringBuilder page = new StringBuilder(64 * 1024);
        try {
            render(title, log, limits, page);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not throw
        }
        return page.toString();
    }

    /**
     * Writes the page for {@code log} to {@code out} as it is drawn, section by section, so the page
     * is never held whole (a big log's state-view data alone is tens of megabytes). Nothing is written
     * until both passes over the log are done.
     */
    public static void render(String title, Log log, Limits limits, Appendable out) throws IOException {
        Summary events = new Summary();
        ObjectHistory.Collector histories = new ObjectHistory.Collector(limits.objects());
        log.forEach(e -> {
            events.accept(e);
            histories.accept(e);
        });
        List<ObjectHistory> objects = histories.histories();
        RunAnalysis run = RunAnalysis.of(log, events.count, objects.stream().map(h -> h.object).toList(), limits.stateStops());
        boolean logHasTime = events.timeVaries;
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>").append(escape(title))
                .append("</title>\n<style>\n").append(CSS).append(Marks.css()).append("</style>\n</head>\n<body>\n");
        sb.append("<header><h1>").append(escape(title)).append("</h1>\n<p class=\"sub\">revokefs report · event log schema v")
                .append(RevokeEvent.SCHEMA_VERSION).append(logHasTime ? "" : " · the log carries no times: axes run in seq")
                .append("</p></header>\n");
        Map<String, Integer> counts = events.byType;
        summary(sb, events, objects, counts);
        if (events.count == 0) {
            sb.append("<p class=\"empty\">The log is empty.</p>\n");
        } else {
            long firstSeq = events.firstSeq;
            long lastSeq = events.lastSeq;
            sb.append("<section class=\"box run\"><h2>The run</h2>\n<p class=\"meta\">One lane per object, grouped by device, on one axis in seq. ")
                    .append("Circles are the causes of cascades, solid arrows go to the revokes and zaps they caused (found by adjacency in the log), ")
                    .append("dashed arrows from a zap to the VMAs of other objects whose PTEs it removed. Click a mark to see the state there.</p>\n");
            RunTimeline.render(objects, run, limits, firstSeq, lastSeq, sb);
            sb.append("</section>\n");
            StateView.renderHead(run, firstSeq, lastSeq, sb);
            flush(sb, out);
            for (int i = 0; i < run.stops.length(); i += 64 * 1024) {
                out.append(run.stops, i, Math.min(run.stops.length(), i + 64 * 1024));
            }
            StateView.renderTail(sb);
            sb.append("<div class=\"top\">\n");
            counts(sb, counts);
            sb.append("<div class=\"col\">\n");
            legend(sb);
            index(sb, objects, limits);
            sb.append("</div>\n</div>\n");
            int drawn = Math.min(objects.size(), limits.objects());
            for (int i = 0; i < drawn; i++) {
                object(sb, objects.get(i), run, i, limits, logHasTime);
                flush(sb, out);
            }
            if (drawn < objects.size()) {
                sb.append("<p class=\"note\">Timelines are drawn for the first ").append(drawn).append(" of ")
                        .append(objects.size()).append(" objects; the index above counts the events of the others.</p>\n");
            }
        }
        flush(sb.append("</body>\n</html>\n"), out);
    }

    private static void flush(StringBuilder sb, Appendable out) throws IOException {
        out.append(sb);
        sb.setLength(0);
    }

    /** What the page says of the whole log, counted in one pass. */
    private static final class Summary implements Consumer<RecordedEvent> {
        int count;
        long firstSeq;
        long lastSeq;
        long firstTime;
        long lastTime;
        /** Whether any event's time differs from the first's (else the axes run in seq). */
        boolean timeVaries;
        /** Events by type, every type of the schema included, in schema order. */
        final Map<String, Integer> byType = new LinkedHashMap<>();

        Summary() {
            for (String t : TYPES) {
                byType.put(t, 0);
            }
        }

        @Override
        public void accept(RecordedEvent e) {
            if (count++ == 0) {
                firstSeq = e.seq();
                firstTime = e.timeNanos();
            }
            timeVaries |= e.timeNanos() != firstTime;
            lastSeq = e.seq();
            lastTime = e.timeNanos();
            byType.merge(e.type(), 1, Integer::sum);
        }
    }

    private static void summary(StringBuilder sb, Summary events, List<ObjectHistory> objects,
                                Map<String, Integer> counts) {
        int refused = counts.get("OpenRefused") + counts.get("MmapRefused") + counts.get("AccessRefused");
        int expected = objects.stream().mapToInt(h -> h.expectedRefusals).sum();
        boolean fromRun = objects.stream().anyMatch(h -> h.judgedRefusals > 0);
        long span = events.count == 0 ? 0 : events.lastTime - events.firstTime;
        sb.append("<section class=\"summary\">\n<div class=\"stats\">\n");
        stat(sb, "events", events.count, false);
        stat(sb, "objects", objects.size(), false);
        stat(sb, "revokes", counts.get("RevokeStarted"), false);
        stat(sb, "revokes completed", counts.get("RevokeCompleted"), false);
        if (fromRun) { // the refusals carry their scenario line's expectation
            stat(sb, "refused as expected", expected, false);
            stat(sb, "refused unexpectedly", refused - expected, refused > expected);
        } else {
            stat(sb, "refused", refused, refused > 0);
        }
        sb.append("<div class=\"stat\" data-stat=\"span\"><span class=\"n\">").append(escape(Text.duration(span)))
                .append("</span>time span</div>\n</div>\n</section>\n");
    }

    private static void counts(StringBuilder sb, Map<String, Integer> counts) {
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        sb.append("<div class=\"box counts-box\"><h2>Events by type</h2>\n<table class=\"counts\">\n<thead><tr><th>event type</th><th>events</th><th></th></tr></thead>\n<tbody>\n");
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
            if (c.getValue() == 0) {
                continue;
            }
            long width = Math.max(1, Math.round(80.0 * c.getValue() / max));
            sb.append("<tr data-type=\"").append(escape(c.getKey())).append("\" data-count=\"").append(c.getValue()).append("\"><td>")
                    .append(escape(c.getKey())).append("</td><td class=\"num\">").append(c.getValue())
                    .append("</td><td><span class=\"bar\" style=\"width:").append(width).append("px\"></span></td></tr>\n");
        }
        sb.append("</tbody>\n</table>\n</div>\n");
    }

    private static void stat(StringBuilder sb, String name, long n, boolean bad) {
        sb.append("<div class=\"stat").append(bad ? " bad" : "").append("\" data-stat=\"").append(name.replace(' ', '-'))
                .append("\" data-count=\"").append(n).append("\"><span class=\"n\">").append(n).append("</span>").append(name)
                .append("</div>\n");
    }

    private static void legend(StringBuilder sb) {
        List<String[]> items = new ArrayList<>(); // type, extra class, label
        for (Map.Entry<String, Marks.Style> e : Marks.STYLES.entrySet()) {
            String type = e.getKey();
            if (type.equals("RevokeDrained") || type.equals("RevokeCompleted")) {
                continue; // one entry, "revoke step", stands for the three
            }
            if (type.equals("FileReleased")) {
                items.add(new String[] {type, " cause-CLOSE", "released by close"});
                items.add(new String[] {type, " cause-REVOKE", "released by revoke"});
            } else if (type.equals("AccessRefused")) {
                items.add(new String[] {type, " unexpected", "access refused, not expected"});
                items.add(new String[] {type, " expected", "access refused, expected by the scenario"});
                items.add(new String[] {type, " by-driver", "refused by the driver's own check"});
            } else {
                items.add(new String[] {type, "", e.getValue().legend() + (type.equals("RevokeStarted") ? " (outside a band)" : "")});
            }
        }
        int cols = 2;
        int rows = (items.size() + 1 + cols - 1) / cols;
        int height = rows * 20 + 8;
        sb.append("<section class=\"box legend-box\"><h2>Legend</h2>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"legend\" width=\"540\" height=\"").append(height)
                .append("\" viewBox=\"0 0 540 ").append(height).append("\">\n");
        for (int i = 0; i < items.size(); i++) {
            String[] it = items.get(i);
            int x = 12 + (i / rows) * 260;
            int y = 12 + (i % rows) * 20;
            Marks.Style s = Marks.styleOf(it[0]);
            sb.append("<g class=\"legend-item\" data-type=\"").append(it[0]).append("\">");
            Marks.openShape(sb, s.shape(), x, y, "ev ev-" + it[0] + it[1], 0);
            sb.append(Marks.closeShape(s.shape())).append("<text x=\"").append(x + 14).append("\" y=\"").append(y + 4).append("\">")
                    .append(escape(it[2])).append("</text></g>\n");
        }
        int i = items.size();
        int x = 12 + (i / rows) * 260;
        int y = 12 + (i % rows) * 20;
        sb.append("<g class=\"legend-item\" data-type=\"revoke-band\"><rect class=\"legend-band\" x=\"").append(x - 6).append("\" y=\"")
                .append(y - 7).append("\" width=\"12\" height=\"14\" rx=\"2\"/><text x=\"").append(x + 14).append("\" y=\"")
                .append(y + 4).append("\">revoke: started → completed</text></g>\n");
        sb.append("</svg>\n<p class=\"meta\">Hover a mark for its fields. Rows with many marks show counts as bars.</p></section>\n");
    }

    private static void index(StringBuilder sb, List<ObjectHistory> objects, Limits limits) {
        int rows = Math.min(objects.size(), limits.indexRows());
        sb.append("<section class=\"box index\"><h2>Objects</h2>\n<table class=\"index\">\n")
                .append("<thead><tr><th>object</th><th>adapter</th><th>events</th><th>revokes</th><th>refused</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < rows; i++) {
            ObjectHistory h = objects.get(i);
            sb.append("<tr><td class=\"mono\">");
            if (i < limits.objects()) {
                sb.append("<a href=\"#obj-").append(i + 1).append("\">").append(escape(h.object)).append("</a>");
            } else {
                sb.append(escape(h.object));
            }
            sb.append("</td><td>").append(escape(adapter(h))).append("</td><td class=\"num\">").append(h.eventCount)
                    .append("</td><td class=\"num\">").append(h.revokeCount).append("</td><td class=\"num\">").append(h.refused)
                    .append("</td></tr>\n");
        }
        if (rows < objects.size()) {
            sb.append("<tr class=\"omitted\"><td colspan=\"5\">… and ").append(objects.size() - rows).append(" more objects</td></tr>\n");
        }
        sb.append("</tbody>\n</table>\n</section>\n");
    }

    private static String adapter(ObjectHistory h) {
        if (h.adapter != null) {
            return h.adapter;
        }
        return h.isIomem() ? "shared iomem mapping" : "";
    }

    private static void object(StringBuilder sb, ObjectHistory h, RunAnalysis run, int index, Limits limits, boolean logHasTime) {
        boolean timeAxis = Timeline.timeAxis(h);
        RecordedEvent first = h.events.get(0);
        RecordedEvent last = h.events.get(h.events.size() - 1);
        sb.append("<section class=\"object\" id=\"obj-").append(index + 1).append("\" data-object=\"").append(escape(h.object))
                .append("\">\n<h2>").append(escape(h.object)).append("</h2>\n<p class=\"meta\">");
        if (h.isIomem()) {
            sb.append("the shared iomem mapping: its zaps come from revoke_iomem and cover every view of physical memory · ");
        } else if (h.adapter != null) {
            sb.append("adapter ").append(escape(h.adapter)).append(" · ");
        }
        sb.append(h.events.size()).append(h.events.size() == 1 ? " event (#" : " events (#").append(first.seq()).append(" to #").append(last.seq()).append(") · ")
                .append(h.revokes.size()).append(" revoke(s) · ").append(h.refused).append(" refused · axis: ")
                .append(timeAxis ? "time, " + escape(Text.duration(last.timeNanos() - first.timeNanos())) + " from first to last event"
                        : "seq (the object's events carry one time)")
                .append("</p>\n");
        Timeline.render(h, run, limits, logHasTime, sb);
        table(sb, h, limits);
        sb.append("</section>\n");
    }

    private static void table(StringBuilder sb, ObjectHistory h, Limits limits) {
        List<RecordedEvent> events = h.events;
        int n = events.size();
        boolean cut = n > limits.tableRows();
        int head = cut ? limits.tableRows() / 2 : n;
        int tail = cut ? limits.tableRows() - head : 0;
        sb.append("<details class=\"events\"").append(n <= OPEN_TABLE_ROWS ? " open=\"open\"" : "").append("><summary>Events (")
                .append(n).append(cut ? ", " + limits.tableRows() + " shown" : "").append(")</summary>\n")
                .append("<table class=\"events\">\n<thead><tr><th>seq</th><th>t</th><th>type</th><th>fields</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < head; i++) {
            row(sb, events.get(i));
        }
        if (cut) {
            sb.append("<tr class=\"omitted\"><td colspan=\"4\">… ").append(n - head - tail).append(" events (#")
                    .append(events.get(head).seq()).append(" to #").append(events.get(n - tail - 1).seq())
                    .append(") left out; the log has them all …</td></tr>\n");
            for (int i = n - tail; i < n; i++) {
                row(sb, events.get(i));
            }
        }
        sb.append("</tbody>\n</table>\n</details>\n");
    }

    private static void row(StringBuilder sb, RecordedEvent e) {
        String type = e.type();
        String cls = switch (type) {
            case "OpenRefused", "MmapRefused", "AccessRefused" -> " class=\"refused"
                    + (Marks.kindOf(e).classes().contains(" expected") ? " expected" : "") + "\"";
            case "RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted" -> " class=\"revoke\"";
            default -> "";
        };
        sb.append("<tr").append(cls).append(" data-seq=\"").append(e.seq()).append("\"><td class=\"num\">").append(e.seq())
                .append("</td><td class=\"num\">").append(escape(Text.duration(e.timeNanos()))).append("</td><td>").append(type)
                .append("</td><td class=\"mono\">").append(escape(Text.fields(e.event()))).append("</td></tr>\n");
    }
}
