package io.revokefs.cli.report;

import io.revokefs.cli.report.ObjectHistory.RevokeSpan;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.kernel.Kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.revokefs.cli.report.Marks.f;
import static io.revokefs.cli.report.Text.escape;

/**
 * The run-wide timeline, the page's first drawing: one axis in {@code seq} for the whole log, one
 * lane per object, lanes grouped by device, and on top of them what caused what.
 *
 * <p>In each lane: the object's life (first to last event), its VMAs (each from its mmap to the
 * unmap of its last page), its revokes as bands, its zaps as diamonds and its refusals as crosses.
 * Across lanes: from each cascade's root (a circle labelled with its cause) a curve to every revoke
 * and bare zap it caused ({@code cause-link}), and from each zap a dashed curve to the VMAs of other
 * objects whose PTEs it removed ({@code zap-link}). See {@link RunAnalysis} for how cascades are found.
 */
final class RunTimeline {
    private static final int WIDTH = 1200;
    private static final int LEFT = 250;
    private static final int RIGHT = 1180;
    private static final int AXIS_H = 26;
    private static final int GROUP_H = 18;
    private static final int LANE_H = 30;
    private static final int TICKS = 8;
    private static final int MAX_LINKS = 400;
    private static final Pattern PCI = Pattern.compile("([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])");
    private static final Pattern PROC_PCI = Pattern.compile("/proc/bus/pci/(?:([0-9a-f]{4}):)?([0-9a-f]{2})/([0-9a-f]{2}\\.[0-7])");

    private final List<ObjectHistory> objects;
    private final RunAnalysis run;
    private final HtmlReport.Limits limits;
    private final StringBuilder sb;
    private final long first;
    private final long last;
    /** The y of the centre line of each drawn lane. */
    private final Map<String, Integer> laneY = new HashMap<>();
    /** The VMA slot (0 to 2) of each drawn VMA, for the y of links that end on it. */
    private final Map<String, Integer> vmaSlot = new HashMap<>();

    private RunTimeline(List<ObjectHistory> objects, RunAnalysis run, HtmlReport.Limits limits, long first, long last,
                        StringBuilder sb) {
        this.objects = objects;
        this.run = run;
        this.limits = limits;
        this.first = first;
        this.last = last;
        this.sb = sb;
    }

    /** Appends the run timeline of a non-empty log whose seqs run from {@code first} to {@code last}. */
    static void render(List<ObjectHistory> objects, RunAnalysis run, HtmlReport.Limits limits, long first, long last,
                       StringBuilder sb) {
        new RunTimeline(objects, run, limits, first, last, sb).render();
    }

    /**
     * The device an object belongs to, for grouping lanes: its PCI address (sysfs paths hold it;
     * {@code /proc/bus/pci/BB/SS.F} names it without the domain, which is then 0000, as
     * {@code pci_proc_attach_device} names the directory), "physical memory" for {@code /dev/mem} and
     * the iomem pseudo-object, else the adapter.
     */
    static String device(ObjectHistory h) {
        Matcher m = PCI.matcher(h.object);
        if (m.find()) {
            return "PCI " + m.group(1);
        }
        m = PROC_PCI.matcher(h.object);
        if (m.find()) {
            return "PCI " + (m.group(1) == null ? "0000" : m.group(1)) + ":" + m.group(2) + ":" + m.group(3);
        }
        if (h.isIomem() || "devmem".equals(h.adapter)) {
            return "physical memory";
        }
        return h.adapter == null ? "other" : h.adapter;
    }

    /** The lane's label: the id, or when long its scheme and last path component. */
    private static String label(String object) {
        if (object.length() <= 34) {
            return object;
        }
        int colon = object.indexOf(':');
        int slash = object.lastIndexOf('/');
        return (colon > 0 && colon < slash ? object.substring(0, colon + 1) : "") + "…" + object.substring(slash);
    }

    private double x(long seq) {
        if (last == first) {
            return (LEFT + RIGHT) / 2.0;
        }
        return LEFT + (double) (seq - first) * (RIGHT - LEFT) / (double) (last - first);
    }

    private void render() {
        Map<String, List<ObjectHistory>> groups = new LinkedHashMap<>();
        int drawn = Math.min(objects.size(), limits.objects());
        for (int i = 0; i < drawn; i++) {
            groups.computeIfAbsent(device(objects.get(i)), k -> new ArrayList<>()).add(objects.get(i));
        }
        int height = AXIS_H + groups.size() * GROUP_H + drawn * LANE_H + (drawn < objects.size() ? 20 : 0) + 8;
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"run-timeline\" class=\"run-timeline\" data-axis=\"seq\" data-first-seq=\"")
                .append(first).append("\" data-last-seq=\"").append(last).append("\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" role=\"img\">\n")
                .append("<title>The run: one lane per object, on one axis in seq</title>\n")
                .append("<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
                .append("<path d=\"M0,0 L8,4 L0,8 z\" class=\"arrow-head\"/></marker></defs>\n");
        int y = AXIS_H;
        int laneIndex = 0;
        for (Map.Entry<String, List<ObjectHistory>> g : groups.entrySet()) {
            sb.append("<g class=\"device\" data-device=\"").append(escape(g.getKey())).append("\">\n<text class=\"device-label\" x=\"8\" y=\"")
                    .append(y + 13).append("\">").append(escape(g.getKey())).append("</text>\n");
            y += GROUP_H;
            for (ObjectHistory h : g.getValue()) {
                lane(h, y, laneIndex++);
                y += LANE_H;
            }
            sb.append("</g>\n");
        }
        axis(y);
        links();
        // Where the state-at-seq view stands; its script moves it.
        sb.append("<line id=\"run-cursor\" class=\"cursor\" data-x0=\"").append(LEFT).append("\" data-x1=\"").append(RIGHT)
                .append("\" x1=\"").append(f(x(last))).append("\" y1=\"").append(AXIS_H - 4).append("\" x2=\"").append(f(x(last)))
                .append("\" y2=\"").append(y).append("\"/>\n");
        if (drawn < objects.size()) {
            sb.append("<text class=\"note\" x=\"8\" y=\"").append(y + 14).append("\">").append(objects.size() - drawn)
                    .append(" more objects have no lane; the index below lists them</text>\n");
        }
        sb.append("</svg>\n");
    }

    private void axis(int bottom) {
        sb.append("<g class=\"axis\">\n");
        int ticks = last == first ? 1 : TICKS;
        for (int k = 0; k < ticks; k++) {
            long v = ticks == 1 ? first : first + Math.round((double) (last - first) * k / (ticks - 1));
            String anchor = ticks == 1 ? "middle" : k == 0 ? "start" : k == ticks - 1 ? "end" : "middle";
            sb.append("<line class=\"grid\" x1=\"").append(f(x(v))).append("\" y1=\"").append(AXIS_H - 4).append("\" x2=\"")
                    .append(f(x(v))).append("\" y2=\"").append(bottom).append("\"/><text class=\"tick\" text-anchor=\"").append(anchor)
                    .append("\" x=\"").append(f(x(v))).append("\" y=\"").append(AXIS_H - 8).append("\">#").append(v).append("</text>\n");
        }
        sb.append("</g>\n");
    }

    private void lane(ObjectHistory h, int top, int index) {
        int mid = top + LANE_H / 2;
        laneY.put(h.object, mid);
        RecordedEvent firstEvent = h.events.get(0);
        RecordedEvent lastEvent = h.events.get(h.events.size() - 1);
        sb.append("<g class=\"lane\" data-object=\"").append(escape(h.object)).append("\">\n<rect class=\"lane-bg")
                .append(index % 2 == 1 ? " odd" : "").append("\" x=\"0\" y=\"").append(top).append("\" width=\"").append(WIDTH)
                .append("\" height=\"").append(LANE_H).append("\"/>\n<text class=\"lane-label\" x=\"18\" y=\"").append(mid + 4)
                .append("\"><title>").append(escape(h.object)).append("</title>").append(escape(label(h.object))).append("</text>\n")
                .append("<line class=\"life\" x1=\"").append(f(x(firstEvent.seq()))).append("\" y1=\"").append(mid).append("\" x2=\"")
                .append(f(Math.max(x(lastEvent.seq()), x(firstEvent.seq()) + 1))).append("\" y2=\"").append(mid).append("\"/>\n");
        int vmas = 0;
        for (RunAnalysis.VmaSpan v : run.vmaSpans) {
            if (!v.object().equals(h.object) || vmas >= limits.marksPerRow()) {
                continue;
            }
            int slot = vmas++ % 3;
            vmaSlot.put(v.vma(), slot);
            int vy = top + LANE_H - 8 + slot * 2 - 2;
            double x1 = x(v.startSeq());
            double x2 = Math.max(x(v.endSeq() == 0 ? last : v.endSeq()), x1 + 2);
            sb.append("<line class=\"vma-span\" data-vma=\"").append(escape(v.vma())).append("\" data-pid=\"").append(v.pid())
                    .append("\" data-seq=\"").append(v.startSeq()).append("\" x1=\"").append(f(x1)).append("\" y1=\"").append(vy)
                    .append("\" x2=\"").append(f(x2)).append("\" y2=\"").append(vy).append("\"><title>")
                    .append(escape(v.vma() + " of pid " + v.pid() + ": mapped at #" + v.startSeq()
                            + (v.endSeq() == 0 ? ", still mapped at the end of the log" : ", unmapped at #" + v.endSeq())))
                    .append("</title></line>\n");
        }
        int n = Math.min(h.revokes.size(), limits.marksPerRow());
        for (int i = 0; i < n; i++) {
            RevokeSpan s = h.revokes.get(i);
            double x1 = x(s.started.seq());
            double x2 = Math.max(x(s.last().seq()), x1 + 4);
            sb.append("<rect class=\"lane-band").append(s.completed == null ? " incomplete" : "").append("\" data-seq=\"")
                    .append(s.started.seq()).append("\" data-last-seq=\"").append(s.last().seq()).append("\" x=\"").append(f(x1))
                    .append("\" y=\"").append(top + 6).append("\" width=\"").append(f(x2 - x1)).append("\" height=\"").append(LANE_H - 14)
                    .append("\" rx=\"2\"><title>").append(escape("revoke (cause " + s.cause() + "): #" + s.started.seq() + " to #"
                            + s.last().seq() + (s.completed == null ? ", no RevokeCompleted in the log" : "")))
                    .append("</title></rect>\n");
        }
        int marks = 0;
        for (RecordedEvent e : h.events) {
            if (marks >= limits.marksPerRow()) {
                break;
            }
            String type = e.type();
            if (type.equals("MappingsZapped")) {
                marks++;
                double zx = x(e.seq());
                Long earlier = run.alreadyZapped.get(e.seq());
                sb.append("<polygon class=\"zap\" data-seq=\"").append(e.seq()).append("\" points=\"").append(f(zx)).append(',')
                        .append(mid - 6).append(' ').append(f(zx + 5)).append(',').append(mid).append(' ').append(f(zx)).append(',')
                        .append(mid + 6).append(' ').append(f(zx - 5)).append(',').append(mid).append("\"><title>")
                        .append(escape(Text.describe(e) + (earlier == null ? "" : " · its PTEs had been removed by the zap at #" + earlier)))
                        .append("</title></polygon>\n");
            } else if (type.endsWith("Refused")) {
                marks++;
                Marks.Kind k = Marks.kindOf(e);
                double rx = x(e.seq());
                sb.append("<path class=\"refusal").append(k.classes().substring(("ev ev-" + type).length())).append("\" data-seq=\"")
                        .append(e.seq()).append("\" d=\"M").append(f(rx - 4)).append(' ').append(mid - 4).append(" L").append(f(rx + 4))
                        .append(' ').append(mid + 4).append(" M").append(f(rx - 4)).append(' ').append(mid + 4).append(" L")
                        .append(f(rx + 4)).append(' ').append(mid - 4).append("\"><title>").append(escape(Text.describe(e) + k.note()))
                        .append("</title></path>\n");
            }
        }
        sb.append("</g>\n");
    }

    private void links() {
        sb.append("<g class=\"links\">\n");
        int links = 0;
        for (RunAnalysis.Cascade c : run.cascades) {
            Integer ry = laneY.get(c.root.object());
            if (ry == null || links >= MAX_LINKS) {
                continue;
            }
            double rx = x(c.root.seq());
            long revokes = c.members.stream().filter(m -> m.type().equals("RevokeStarted")).count();
            sb.append("<g class=\"cascade\" data-root-seq=\"").append(c.root.seq()).append("\" data-cause=\"").append(escape(c.cause))
                    .append("\" data-members=\"").append(c.members.size()).append("\">\n<title>")
                    .append(escape("cascade from #" + c.root.seq() + " (" + c.cause + " on " + c.root.object() + ") to #" + c.lastSeq
                            + ": " + revokes + " more revoke(s), " + (c.members.size() - revokes) + " zap(s) outside a revoke"))
                    .append("</title>\n<circle class=\"cause-root\" data-seq=\"").append(c.root.seq()).append("\" cx=\"").append(f(rx))
                    .append("\" cy=\"").append(ry).append("\" r=\"6\"/>\n<text class=\"cause-label\" text-anchor=\"end\" x=\"")
                    .append(f(rx - 9)).append("\" y=\"").append(ry - 7).append("\">").append(escape(c.cause)).append("</text>\n");
            for (RecordedEvent m : c.members) {
                Integer my = laneY.get(m.object());
                if (my == null || links++ >= MAX_LINKS) {
                    continue;
                }
                double mx = x(m.seq());
                double dx = Math.max(18, (mx - rx) / 2);
                sb.append("<path class=\"cause-link\" data-from-seq=\"").append(c.root.seq()).append("\" data-to-seq=\"").append(m.seq())
                        .append("\" data-object=\"").append(escape(m.object())).append("\" marker-end=\"url(#arrow)\" d=\"M")
                        .append(f(rx)).append(' ').append(ry).append(" C").append(f(rx + dx)).append(' ').append(ry).append(' ')
                        .append(f(mx - dx)).append(' ').append(my).append(' ').append(f(mx - 1)).append(' ').append(my).append("\"><title>")
                        .append(escape("#" + c.root.seq() + " " + c.cause + " caused #" + m.seq() + " " + m.type() + " of " + m.object()))
                        .append("</title></path>\n");
            }
            sb.append("</g>\n");
        }
        for (RunAnalysis.ZapLink z : run.zapLinks) {
            Integer from = laneY.get(z.zapObject());
            Integer to = laneY.get(z.vmaObject());
            if (from == null || to == null || links++ >= MAX_LINKS) {
                continue;
            }
            double zx = x(z.zapSeq());
            int ty = to + LANE_H / 2 - 8 + vmaSlot.getOrDefault(z.vma(), 0) * 2 - 2;
            double bow = 16;
            sb.append("<path class=\"zap-link\" data-zap-seq=\"").append(z.zapSeq()).append("\" data-from-object=\"")
                    .append(escape(z.zapObject())).append("\" data-object=\"").append(escape(z.vmaObject())).append("\" data-vma=\"")
                    .append(escape(z.vma())).append("\" data-ptes=\"").append(z.ptes()).append("\" marker-end=\"url(#arrow)\" d=\"M")
                    .append(f(zx)).append(' ').append(from).append(" Q").append(f(zx + bow)).append(' ').append((from + ty) / 2)
                    .append(' ').append(f(zx)).append(' ').append(ty).append("\"><title>")
                    .append(escape("the zap at #" + z.zapSeq() + " (" + z.zapObject() + ") removed " + z.ptes() + " PTE(s) of "
                            + z.vma() + " (" + z.vmaObject() + ")"))
                    .append("</title></path>\n");
        }
        sb.append("</g>\n");
    }
}
