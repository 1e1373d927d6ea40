package io.revokefs.cli.report;

import io.revokefs.cli.report.Marks.Row;
import io.revokefs.cli.report.Marks.Shape;
import io.revokefs.cli.report.Marks.Style;
import io.revokefs.cli.report.ObjectHistory.RevokeSpan;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.revokefs.cli.report.Marks.f;
import static io.revokefs.cli.report.Text.escape;

/**
 * The SVG timeline of one object: a time axis, one row per kind of event ({@link Row}) with a mark
 * per event, each revoke as a band on the life row, and under the rows a strip per revoke that
 * spreads its four steps apart and labels the time each step took.
 *
 * <p>The axis runs from the object's first event to its last, in {@code timeNanos}; when those are
 * all equal (a log without times) it runs in {@code seq} instead. A row holding more marks than
 * {@link HtmlReport.Limits#marksPerRow()} draws its most frequent types as a histogram of counts,
 * so the size of the drawing does not grow with the log.
 */
final class Timeline {
    static final int WIDTH = 1200;
    static final int LEFT = 110;
    static final int RIGHT = 1170;
    private static final int AXIS_H = 24;
    private static final int ROW_H = 34;
    private static final int DETAIL_H = 70;
    private static final int BINS = 120;
    private static final int TICKS = 6;
    private static final int MIN_SEGMENT = 150;
    private static final String[] PHASES = {"drain", "zap", "release"};

    private final ObjectHistory history;
    private final RunAnalysis run;
    private final HtmlReport.Limits limits;
    private final boolean logHasTime;
    private final boolean timeAxis;
    private final long lo;
    private final long hi;
    private final StringBuilder sb;

    private Timeline(ObjectHistory history, RunAnalysis run, HtmlReport.Limits limits, boolean logHasTime, StringBuilder sb) {
        this.history = history;
        this.run = run;
        this.limits = limits;
        this.logHasTime = logHasTime;
        this.sb = sb;
        long minT = Long.MAX_VALUE;
        long maxT = Long.MIN_VALUE;
        for (RecordedEvent e : history.events) {
            minT = Math.min(minT, e.timeNanos());
            maxT = Math.max(maxT, e.timeNanos());
        }
        this.timeAxis = maxT > minT;
        this.lo = timeAxis ? minT : history.events.get(0).seq();
        this.hi = timeAxis ? maxT : history.events.get(history.events.size() - 1).seq();
    }

    /** Whether the object's axis is in time (else in seq). */
    static boolean timeAxis(ObjectHistory history) {
        long first = history.events.get(0).timeNanos();
        return history.events.stream().anyMatch(e -> e.timeNanos() != first);
    }

    /** Appends the timeline of {@code history} (which has at least one event) to {@code sb}. */
    static void render(ObjectHistory history, RunAnalysis run, HtmlReport.Limits limits, boolean logHasTime, StringBuilder sb) {
        new Timeline(history, run, limits, logHasTime, sb).render();
    }

    private double x(RecordedEvent e) {
        return x(timeAxis ? e.timeNanos() : e.seq());
    }

    private double x(long v) {
        if (hi == lo) {
            return (LEFT + RIGHT) / 2.0;
        }
        return LEFT + (double) (v - lo) * (RIGHT - LEFT) / (double) (hi - lo);
    }

    private void render() {
        Map<Row, List<RecordedEvent>> byRow = new EnumMap<>(Row.class);
        for (Row r : Row.values()) {
            byRow.put(r, new ArrayList<>());
        }
        for (RecordedEvent e : history.events) {
            if (!history.inSpans.contains(e.seq())) {
                byRow.get(Marks.styleOf(Marks.kindOf(e).key()).row()).add(e);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Row r : Row.values()) {
            // The iomem pseudo-object has only zaps: its lane shows the rows it uses.
            if (!history.isIomem() || !byRow.get(r).isEmpty() || r == Row.LIFE) {
                rows.add(r);
            }
        }
        int details = Math.min(history.revokes.size(), limits.revokeDetails());
        boolean moreRevokes = history.revokes.size() > details;
        int rowsBottom = AXIS_H + rows.size() * ROW_H;
        int height = rowsBottom + (details > 0 ? 8 + details * DETAIL_H : 0) + (moreRevokes ? 18 : 0) + 6;

        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline").append(history.isIomem() ? " lane-iomem" : "")
                .append("\" data-object=\"").append(escape(history.object)).append("\" data-axis=\"")
                .append(timeAxis ? "time" : "seq").append("\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" role=\"img\">\n")
                .append("<title>Timeline of ").append(escape(history.object)).append("</title>\n");
        axis(rowsBottom, rows);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            int top = AXIS_H + i * ROW_H;
            sb.append("<g class=\"row row-").append(r.name().toLowerCase()).append("\" data-row=\"").append(r.name().toLowerCase())
                    .append("\">\n");
            if (r == Row.LIFE) {
                bands(top);
            }
            marks(byRow.get(r), top);
            sb.append("</g>\n");
        }
        for (int i = 0; i < details; i++) {
            detail(history.revokes.get(i), i, rowsBottom + 8 + i * DETAIL_H);
        }
        if (moreRevokes) {
            sb.append("<text class=\"note\" x=\"").append(LEFT).append("\" y=\"").append(height - 10).append("\">")
                    .append(history.revokes.size() - details).append(" more revokes are drawn as bands only; the event table has their steps</text>\n");
        }
        sb.append("</svg>\n");
    }

    private void axis(int rowsBottom, List<Row> rows) {
        for (int i = 0; i < rows.size(); i++) {
            int top = AXIS_H + i * ROW_H;
            sb.append("<rect class=\"row-bg").append(i % 2 == 1 ? " odd" : "").append("\" x=\"0\" y=\"").append(top)
                    .append("\" width=\"").append(WIDTH).append("\" height=\"").append(ROW_H).append("\"/>\n");
            sb.append("<text class=\"row-label\" x=\"8\" y=\"").append(top + ROW_H / 2 + 4).append("\">")
                    .append(history.isIomem() && rows.get(i) == Row.LIFE ? "zaps" : escape(rows.get(i).label)).append("</text>\n");
        }
        sb.append("<g class=\"axis\" data-axis=\"").append(timeAxis ? "time" : "seq").append("\">\n");
        int ticks = hi == lo ? 1 : TICKS;
        for (int k = 0; k < ticks; k++) {
            long v = ticks == 1 ? lo : lo + Math.round((double) (hi - lo) * k / (ticks - 1));
            double x = x(v);
            String anchor = ticks == 1 ? "middle" : k == 0 ? "start" : k == ticks - 1 ? "end" : "middle";
            sb.append("<line class=\"grid\" x1=\"").append(f(x)).append("\" y1=\"").append(AXIS_H - 4).append("\" x2=\"")
                    .append(f(x)).append("\" y2=\"").append(rowsBottom).append("\"/>")
                    .append("<text class=\"tick\" text-anchor=\"").append(anchor).append("\" x=\"").append(f(x))
                    .append("\" y=\"").append(AXIS_H - 8).append("\">")
                    .append(timeAxis ? "t=" + escape(Text.duration(v)) : "#" + v).append("</text>\n");
        }
        sb.append("</g>\n");
    }

    /** The revokes as bands on the life row, with a tick per step and the total duration. */
    private void bands(int top) {
        int n = Math.min(history.revokes.size(), limits.marksPerRow());
        for (int i = 0; i < n; i++) {
            RevokeSpan s = history.revokes.get(i);
            double x1 = x(s.started);
            double x2 = Math.max(x(s.last()), x1 + 4);
            boolean complete = s.completed != null;
            long total = s.last().timeNanos() - s.started.timeNanos();
            sb.append("<rect class=\"revoke-band").append(complete ? "" : " incomplete").append("\" data-seq=\"")
                    .append(s.started.seq()).append('"');
            if (logHasTime) {
                sb.append(" data-duration-ns=\"").append(total).append('"');
            }
            sb.append(" x=\"").append(f(x1)).append("\" y=\"").append(top + 5).append("\" width=\"").append(f(x2 - x1))
                    .append("\" height=\"").append(ROW_H - 10).append("\" rx=\"2\"><title>")
                    .append(escape(bandTitle(s, total))).append("</title></rect>\n");
            for (RecordedEvent step : s.steps()) {
                double x = x(step);
                sb.append("<line class=\"revoke-tick\" data-step=\"").append(step.type()).append("\" data-seq=\"")
                        .append(step.seq()).append("\" x1=\"").append(f(x)).append("\" y1=\"").append(top + 5).append("\" x2=\"")
                        .append(f(x)).append("\" y2=\"").append(top + ROW_H - 5).append("\"/>\n");
            }
            if (n <= 8) {
                String label = "revoke " + (i + 1) + (logHasTime ? " · " + Text.duration(total) : "") + (complete ? "" : " · incomplete");
                boolean right = x2 < RIGHT - 160;
                sb.append("<text class=\"band-label\" text-anchor=\"").append(right ? "start" : "end").append("\" x=\"")
                        .append(f(right ? x2 + 5 : x1 - 5)).append("\" y=\"").append(top + ROW_H / 2 + 4).append("\">")
                        .append(escape(label)).append("</text>\n");
            }
        }
    }

    private String bandTitle(RevokeSpan s, long total) {
        StringBuilder t = new StringBuilder("revoke (cause ").append(s.cause()).append("): #").append(s.started.seq())
                .append(" to #").append(s.last().seq());
        if (logHasTime) {
            t.append(", ").append(Text.duration(total));
        }
        if (s.completed == null) {
            t.append(", no RevokeCompleted in the log");
        }
        return t.append(", ").append(s.released).append(" file(s) released by the revoke").toString();
    }

    /**
     * The marks of one row. Types are drawn one mark per event while the row stays within the cap;
     * past it, the most frequent types become stacked count bars over {@link #BINS} slices of the axis.
     */
    private void marks(List<RecordedEvent> events, int top) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<Marks.Kind> kinds = new ArrayList<>(events.size());
        for (RecordedEvent e : events) {
            Marks.Kind k = Marks.kindOf(e);
            kinds.add(k);
            counts.merge(k.key(), 1, Integer::sum);
        }
        List<String> aggregated = new ArrayList<>();
        int remaining = events.size();
        while (remaining > limits.marksPerRow()) {
            String biggest = null;
            for (Map.Entry<String, Integer> c : counts.entrySet()) {
                if (!aggregated.contains(c.getKey()) && (biggest == null || c.getValue() > counts.get(biggest))) {
                    biggest = c.getKey();
                }
            }
            aggregated.add(biggest);
            remaining -= counts.get(biggest);
        }
        if (!aggregated.isEmpty()) {
            histogram(events, kinds, aggregated, top);
        }
        double centre = top + ROW_H / 2.0;
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            Marks.Kind k = kinds.get(i);
            if (aggregated.contains(k.key())) {
                continue;
            }
            Style s = Marks.styleOf(k.key());
            Marks.openShape(sb, s.shape(), x(e), centre + s.dy(), k.classes(), e.seq());
            sb.append("<title>").append(escape(Text.describe(e) + k.note())).append("</title>").append(Marks.closeShape(s.shape()))
                    .append('\n');
        }
    }

    private void histogram(List<RecordedEvent> events, List<Marks.Kind> kinds, List<String> types, int top) {
        int[][] bins = new int[types.size()][BINS];
        long[] firstSeq = new long[BINS];
        long[] lastSeq = new long[BINS];
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            int t = types.indexOf(kinds.get(i).key());
            if (t < 0) {
                continue;
            }
            int b = (int) Math.min(BINS - 1, Math.max(0, (x(e) - LEFT) * BINS / (RIGHT - LEFT)));
            bins[t][b]++;
            firstSeq[b] = firstSeq[b] == 0 ? e.seq() : Math.min(firstSeq[b], e.seq());
            lastSeq[b] = Math.max(lastSeq[b], e.seq());
        }
        int max = 1;
        for (int b = 0; b < BINS; b++) {
            int total = 0;
            for (int[] typeBins : bins) {
                total += typeBins[b];
            }
            max = Math.max(max, total);
        }
        double binW = (double) (RIGHT - LEFT) / BINS;
        double full = ROW_H - 6;
        for (int b = 0; b < BINS; b++) {
            double base = top + ROW_H - 3;
            for (int t = 0; t < types.size(); t++) {
                int count = bins[t][b];
                if (count == 0) {
                    continue;
                }
                double h = Math.max(1.5, full * count / max);
                base -= h;
                sb.append("<rect class=\"hist hist-").append(types.get(t)).append("\" data-type=\"").append(types.get(t))
                        .append("\" data-count=\"").append(count).append("\" x=\"").append(f(LEFT + b * binW)).append("\" y=\"")
                        .append(f(base)).append("\" width=\"").append(f(binW - 0.5)).append("\" height=\"").append(f(h))
                        .append("\"><title>").append(count).append(' ').append(types.get(t)).append(" between #").append(firstSeq[b])
                        .append(" and #").append(lastSeq[b]).append("</title></rect>\n");
            }
        }
    }

    /**
     * One revoke spread out: its steps as ticks with their offset from the start, and between them a
     * segment per phase (drain, zap, release) labelled with its duration. Segments are wide enough
     * for their label, and share the rest of the width in proportion to their durations.
     */
    private void detail(RevokeSpan s, int index, int top) {
        List<RecordedEvent> steps = s.steps();
        int segments = steps.size() - 1;
        int width = RIGHT - LEFT - (s.completed == null ? 230 : 0);
        long[] d = new long[segments];
        long sum = 0;
        for (int i = 0; i < segments; i++) {
            d[i] = Math.max(0, steps.get(i + 1).timeNanos() - steps.get(i).timeNanos());
            sum += d[i];
        }
        double spare = Math.max(0, width - segments * MIN_SEGMENT);
        double[] xs = new double[steps.size()];
        xs[0] = LEFT;
        for (int i = 0; i < segments; i++) {
            double share = logHasTime && sum > 0 ? spare * d[i] / sum : spare / segments;
            xs[i + 1] = xs[i] + MIN_SEGMENT + share;
        }
        long total = s.last().timeNanos() - s.started.timeNanos();
        sb.append("<g class=\"revoke-detail").append(s.completed == null ? " incomplete" : "").append("\" data-started-seq=\"")
                .append(s.started.seq()).append("\" transform=\"translate(0,").append(top).append(")\">\n");
        sb.append("<text class=\"detail-label\" x=\"8\" y=\"32\">revoke ").append(index + 1).append("</text>")
                .append("<text class=\"detail-cause\" x=\"8\" y=\"46\">").append(escape(s.cause())).append("</text>\n");
        int barY = 20;
        int barH = 18;
        for (int i = 0; i < segments; i++) {
            RecordedEvent from = steps.get(i);
            RecordedEvent to = steps.get(i + 1);
            String phase = i < PHASES.length && to.type().equals(nextStep(from)) ? PHASES[i] : "to " + to.type();
            String label = phase + " " + (logHasTime ? Text.duration(d[i]) : "(no times)");
            sb.append("<rect class=\"revoke-segment seg-").append(from.type()).append("\" data-from=\"").append(from.type())
                    .append("\" data-to=\"").append(to.type()).append('"');
            if (logHasTime) {
                sb.append(" data-duration-ns=\"").append(d[i]).append('"');
            }
            sb.append(" x=\"").append(f(xs[i])).append("\" y=\"").append(barY).append("\" width=\"").append(f(xs[i + 1] - xs[i]))
                    .append("\" height=\"").append(barH).append("\"><title>").append(escape(from.type() + " → " + to.type() + ": " + label))
                    .append("</title></rect>")
                    .append("<text class=\"duration\" text-anchor=\"middle\" x=\"").append(f((xs[i] + xs[i + 1]) / 2)).append("\" y=\"")
                    .append(barY + 13).append("\">").append(escape(label)).append("</text>\n");
        }
        for (int i = 0; i < steps.size(); i++) {
            RecordedEvent step = steps.get(i);
            String anchor = i == 0 ? "start" : i == steps.size() - 1 && s.completed != null ? "end" : "middle";
            long offset = step.timeNanos() - s.started.timeNanos();
            sb.append("<g class=\"revoke-step\" data-step=\"").append(step.type()).append("\" data-seq=\"").append(step.seq())
                    .append('"');
            if (logHasTime) {
                sb.append(" data-offset-ns=\"").append(offset).append('"');
            }
            sb.append("><title>").append(escape(Text.describe(step))).append("</title>")
                    .append("<line x1=\"").append(f(xs[i])).append("\" y1=\"").append(barY - 5).append("\" x2=\"").append(f(xs[i]))
                    .append("\" y2=\"").append(barY + barH + 5).append("\"/>")
                    .append("<text class=\"step-name\" text-anchor=\"").append(anchor).append("\" x=\"").append(f(xs[i]))
                    .append("\" y=\"").append(barY - 8).append("\">").append(step.type()).append(" #").append(step.seq()).append("</text>")
                    .append("<text class=\"step-offset\" text-anchor=\"").append(anchor).append("\" x=\"").append(f(xs[i]))
                    .append("\" y=\"").append(barY + barH + 16).append("\">")
                    .append(logHasTime ? "+" + escape(Text.duration(offset)) : "#" + step.seq()).append("</text></g>\n");
        }
        StringBuilder facts = new StringBuilder();
        if (logHasTime) {
            facts.append("total ").append(Text.duration(total)).append(" · ");
        }
        if (s.drained != null) {
            facts.append("waited ").append(((RevokeEvent.RevokeDrained) s.drained.event()).waited()).append(" · ");
        }
        if (s.zapped != null) {
            RevokeEvent.MappingsZapped z = (RevokeEvent.MappingsZapped) s.zapped.event();
            facts.append(z.vmas()).append(" VMAs, ").append(z.ptes()).append(" PTEs zapped");
            Long earlier = run.alreadyZapped.get(s.zapped.seq());
            if (earlier != null) {
                facts.append(" (the zap at #").append(earlier).append(" had removed them)");
            }
            facts.append(" · ");
        }
        facts.append(s.released).append(" file(s) released");
        if (s.completed == null) {
            sb.append("<text class=\"revoke-missing\" x=\"").append(f(xs[steps.size() - 1] + 12)).append("\" y=\"").append(barY + 13)
                    .append("\">… no RevokeCompleted in the log</text>\n");
        }
        sb.append("<text class=\"revoke-total\" text-anchor=\"end\" x=\"").append(RIGHT).append("\" y=\"").append(barY + barH + 30)
                .append("\">").append(escape(facts.toString())).append("</text>\n");
        sb.append("</g>\n");
    }

    /** The step that follows {@code from} in a revoke (docs/semantics.md section 7, {@code REVOKE_ORDER}). */
    private static String nextStep(RecordedEvent from) {
        return switch (from.type()) {
            case "RevokeStarted" -> "RevokeDrained";
            case "RevokeDrained" -> "MappingsZapped";
            default -> "RevokeCompleted";
        };
    }
}
