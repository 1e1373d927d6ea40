package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.kernel.Kernel;
import io.revokefs.history.RangeSet;
import io.revokefs.history.ReplayState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pass over the whole log for the page's run-wide parts: the cascades (which event started
 * which revokes), the zaps of a shared mapping that removed PTEs of other objects' VMAs, each VMA's
 * life, and the state at every seq for the state-at-seq view.
 *
 * <p><b>Cascades.</b> The log records no cause id: a cascade is found by adjacency. Its root is a
 * {@code RevokeStarted} (or a {@code MappingsZapped} outside any revoke: {@code revoke_iomem} when
 * a driver claims a range) that comes while no cascade is open; it stays open while the events are
 * revoke steps ({@code RevokeStarted}, {@code RevokeDrained}, {@code MappingsZapped}, {@code VmaClosed}
 * and {@code FileReleased} by REVOKE, {@code RevokeCompleted}) or while one of its revokes has not
 * completed, and closes at the first other event after that. Every revoke and bare zap after the
 * root is its member. A scenario runs one line at a time, so its cascades are exact; in a log of
 * concurrent operations an unrelated event inside a cascade splits it.
 *
 * <p><b>State.</b> Pages with PTEs are replayed as {@link ReplayState} does (docs/semantics.md section
 * 7): {@code Mmapped} maps its range with its first {@code populated} pages, {@code Faulted} adds a
 * page, {@code MappingsZapped} clears its range in every VMA of its mapping, {@code VmaDuplicated}
 * copies, {@code VmaUnmapped} removes. {@code HtmlReportTest} checks that both agree at the end of
 * a run. The state is written as deltas at {@link #stops stops}: every event when the log has at
 * most {@link HtmlReport.Limits#stateStops} events, else every k-th event plus each cascade's root
 * and the event that closes it.
 */
final class RunAnalysis implements RevokeEvent.Visitor<Void> {

    /** A cascade: its root and the revokes (their {@code RevokeStarted}) and bare zaps it caused. */
    static final class Cascade {
        final RecordedEvent root;
        final String cause;
        final List<RecordedEvent> members = new ArrayList<>();
        /** The seq of the last event of the cascade. */
        long lastSeq;

        Cascade(RecordedEvent root, String cause) {
            this.root = root;
            this.cause = cause;
            this.lastSeq = root.seq();
        }
    }

    /** A zap of {@code zapObject} that removed {@code ptes} PTEs of {@code vma}, a VMA of another object. */
    record ZapLink(long zapSeq, String zapObject, String vma, String vmaObject, long ptes) {
    }

    /** One VMA's life: from its {@code Mmapped} or {@code VmaDuplicated} to the unmap of its last page (0: never). */
    record VmaSpan(String vma, String object, int pid, long startSeq, long endSeq) {
    }

    /** Something of the state a stop writes when it changed since the previous stop. */
    private abstract static class Entity {
        boolean dirty;

        /** Appends the op that brings the page's copy up to date (see {@link StateView}). */
        abstract void write(StringBuilder sb);
    }

    private static final class ObjSt extends Entity {
        final int index;
        boolean revoked;

        ObjSt(int index) {
            this.index = index;
        }

        @Override
        void write(StringBuilder sb) {
            sb.append("[\"o\",").append(index).append(',').append(revoked ? 1 : 0).append(']');
        }
    }

    private static final class VmaSt extends Entity {
        final String id;
        final int object;
        final int pid;
        final String mapping;
        final RangeSet mapped;
        final RangeSet populated;
        final long startSeq;
        long zapSeq;
        boolean gone;
        /** Whether a stop wrote the VMA whole; then, while only its PTEs change, stops write those alone. */
        boolean written;
        boolean mappedChanged;

        VmaSt(String id, int object, int pid, String mapping, RangeSet mapped, RangeSet populated, long startSeq) {
            this.id = id;
            this.object = object;
            this.pid = pid;
            this.mapping = mapping;
            this.mapped = mapped;
            this.populated = populated;
            this.startSeq = startSeq;
        }

        @Override
        void write(StringBuilder sb) {
            if (gone) {
                sb.append("[\"x\",");
                Json.string(sb, id);
                sb.append(']');
                return;
            }
            boolean whole = !written || mappedChanged;
            sb.append(whole ? "[\"v\"," : "[\"p\",");
            Json.string(sb, id);
            if (whole) {
                written = true;
                mappedChanged = false;
                sb.append(',').append(object).append(',').append(pid).append(',');
                Json.string(sb, mapping);
                sb.append(',');
                ranges(sb, mapped);
            }
            sb.append(',');
            ranges(sb, populated);
            sb.append(',').append(zapSeq).append(']');
        }
    }

    private static final class FileSt extends Entity {
        final String id;
        final int object;
        final int pid;
        boolean open = true;
        ReleaseCause released;

        FileSt(String id, int object, int pid) {
            this.id = id;
            this.object = object;
            this.pid = pid;
        }

        @Override
        void write(StringBuilder sb) {
            sb.append("[\"f\",");
            Json.string(sb, id);
            sb.append(',').append(object).append(',').append(pid).append(',').append(open ? 1 : 0).append(',');
            if (released == null) {
                sb.append("null");
            } else {
                Json.string(sb, released.name());
            }
            sb.append(']');
        }
    }

    final List<Cascade> cascades = new ArrayList<>();
    final List<ZapLink> zapLinks = new ArrayList<>();
    final List<VmaSpan> vmaSpans = new ArrayList<>();
    /** A zap that removed no PTE of VMAs it covered, to the seq of the earlier zap of its cascade that had. */
    final Map<Long, Long> alreadyZapped = new HashMap<>();
    /** The state view's data: a JSON object (see {@link StateView}). */
    final StringBuilder stops = new StringBuilder(64 * 1024);
    int stopCount;

    private final List<String> objects;
    private final Map<String, Integer> index = new HashMap<>();
    private final ObjSt[] objectStates;
    private final Set<Integer> revoking = new HashSet<>();
    private final Map<String, VmaSt> vmas = new HashMap<>();
    private final Map<String, Set<VmaSt>> byMapping = new HashMap<>();
    private final Map<String, FileSt> files = new HashMap<>();
    private final List<Entity> dirty = new ArrayList<>();
    private final int stride;
    private final int forcedStops;
    private int forced;
    private RecordedEvent current;
    /** Set by the visit of the current event when it is a revoke step. */
    private boolean revokeStep;
    /** Set by the visit of the current event when it starts work a cascade can cause: its cause. */
    private String startsWork;
    private Cascade cascade;

    private RunAnalysis(List<String> objects, int events, int maxStops) {
        this.objects = objects;
        for (int i = 0; i < objects.size(); i++) {
            index.put(objects.get(i), i);
        }
        objectStates = new ObjSt[objects.size()];
        for (int i = 0; i < objectStates.length; i++) {
            objectStates[i] = new ObjSt(i);
        }
        stride = Math.max(1, (events + maxStops - 1) / maxStops);
        forcedStops = maxStops;
    }

    /**
     * Analyses the {@code count} events of {@code log}, read once, whose objects are {@code objects}
     * in order of first appearance.
     */
    static RunAnalysis of(HtmlReport.Log log, int count, List<String> objects, int maxStops) {
        RunAnalysis a = new RunAnalysis(objects, count, maxStops);
        a.stops.append("{\"events\":").append(count).append(",\"stride\":").append(a.stride).append(",\"objects\":[");
        for (int i = 0; i < objects.size(); i++) {
            a.stops.append(i == 0 ? "" : ",");
            Json.string(a.stops, objects.get(i));
        }
        a.stops.append("],\"types\":[");
        for (int i = 0; i < TYPES.size(); i++) {
            a.stops.append(i == 0 ? "" : ",");
            Json.string(a.stops, TYPES.get(i));
        }
        a.stops.append("],\"stops\":[");
        int[] i = {0};
        log.forEach(e -> {
            a.apply(e, i[0] % a.stride == a.stride - 1 || i[0] == count - 1);
            i[0]++;
        });
        a.stops.append("]}");
        for (VmaSt v : a.vmas.values()) {
            a.vmaSpans.add(new VmaSpan(v.id, objects.get(v.object), v.pid, v.startSeq, 0));
        }
        return a;
    }

    /** The cascade whose root or member is {@code seq}, or {@code null}. */
    Cascade cascadeOf(long seq) {
        for (Cascade c : cascades) {
            if (c.root.seq() <= seq && seq <= c.lastSeq) {
                return c;
            }
        }
        return null;
    }

    private void apply(RecordedEvent e, boolean stop) {
        current = e;
        revokeStep = false;
        startsWork = null;
        boolean closes = false;
        boolean root = false;
        e.event().accept(this);
        if (revokeStep) {
            if (cascade == null) {
                cascade = new Cascade(e, startsWork == null ? "revoke step" : startsWork);
                cascades.add(cascade);
                root = true;
            } else if (startsWork != null) {
                cascade.members.add(e);
            }
            cascade.lastSeq = e.seq();
        } else if (cascade != null && revoking.isEmpty()) {
            cascade = null;
            closes = true;
        }
        if (stop || ((root || closes) && forced++ < forcedStops)) {
            writeStop(e);
        }
    }

    private static final List<String> TYPES = Marks.EVENT_TYPES;

    private static int typeIndex(String type) {
        return TYPES.indexOf(type);
    }

    private int obj(String object) {
        return index.get(object);
    }

    private void writeStop(RecordedEvent e) {
        stops.append(stopCount++ == 0 ? "" : ",").append('[').append(e.seq()).append(',').append(typeIndex(e.type())).append(',')
                .append(obj(e.object())).append(",[");
        boolean first = true;
        for (Entity d : dirty) {
            stops.append(first ? "" : ",");
            first = false;
            d.dirty = false;
            d.write(stops);
        }
        dirty.clear();
        stops.append("]]");
    }

    private static void ranges(StringBuilder sb, RangeSet set) {
        sb.append('[');
        boolean first = true;
        for (ReplayState.PageRange r : set.toList()) {
            sb.append(first ? "" : ",").append(r.first()).append(',').append(r.count());
            first = false;
        }
        sb.append(']');
    }

    private void touch(Entity d) {
        if (!d.dirty) {
            d.dirty = true;
            dirty.add(d);
        }
    }
    private void addVma(VmaSt v) {
        vmas.put(v.id, v);
        byMapping.computeIfAbsent(v.mapping, k -> new LinkedHashSet<>()).add(v);
        touch(v);
    }

    private static long size(RangeSet s) {
        long n = 0;
        for (ReplayState.PageRange r : s.toList()) {
            n += r.count();
        }
        return n;
    }

    private static boolean overlaps(RangeSet s, long first, long count) {
        for (ReplayState.PageRange r : s.toList()) {
            if (r.first() < first + count && first < r.first() + r.count()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Void visit(ObjectRegistered e) {
        ObjSt o = objectStates[obj(e.object())];
        o.revoked = false;
        touch(o);
        return null;
    }

    @Override
    public Void visit(FileOpened e) {
        FileSt f = new FileSt(e.file(), obj(e.object()), e.pid());
        files.put(f.id, f);
        touch(f);
        return null;
    }

    @Override
    public Void visit(OpenRefused e) {
        return null;
    }

    @Override
    public Void visit(Mmapped e) {
        RangeSet mapped = new RangeSet();
        mapped.add(e.pgoff(), e.pages());
        RangeSet populated = new RangeSet();
        populated.add(e.pgoff(), Math.min(e.populated(), e.pages()));
        addVma(new VmaSt(e.vma(), obj(e.object()), e.pid(), e.mapping(), mapped, populated, current.seq()));
        return null;
    }

    @Override
    public Void visit(MmapRefused e) {
        return null;
    }

    @Override
    public Void visit(VmaDuplicated e) {
        VmaSt parent = vmas.get(e.from());
        if (parent != null) {
            addVma(new VmaSt(e.vma(), obj(e.object()), e.pid(), parent.mapping, new RangeSet(parent.mapped),
                    e.ptes() > 0 ? new RangeSet(parent.populated) : new RangeSet(), current.seq()));
        }
        return null;
    }

    @Override
    public Void visit(VmaUnmapped e) {
        VmaSt v = vmas.get(e.vma());
        if (v != null) {
            v.mapped.remove(e.pgoff(), e.pages());
            v.populated.remove(e.pgoff(), e.pages());
            v.mappedChanged = true;
            if (v.mapped.isEmpty()) {
                v.gone = true;
                vmas.remove(v.id);
                byMapping.get(v.mapping).remove(v);
                vmaSpans.add(new VmaSpan(v.id, objects.get(v.object), v.pid, v.startSeq, current.seq()));
            }
            touch(v);
        }
        return null;
    }

    /** The driver's close changes no page state (as in {@link ReplayState}); by the revoke, it is one of its steps. */
    @Override
    public Void visit(VmaClosed e) {
        revokeStep = e.cause() == VmaClosed.Cause.REVOKE;
        return null;
    }

    @Override
    public Void visit(MemoryToggled e) {
        return null; // a vfio memory toggle: neither a revoke step nor an operation of a process
    }

    @Override
    public Void visit(Faulted e) {
        VmaSt v = vmas.get(e.vma());
        if (v != null) {
            v.populated.add(e.pgoff(), 1);
            touch(v);
        }
        return null;
    }

    @Override
    public Void visit(AccessRefused e) {
        return null;
    }

    @Override
    public Void visit(RevokeStarted e) {
        ObjSt o = objectStates[obj(e.object())];
        o.revoked = true;
        revoking.add(o.index);
        touch(o);
        revokeStep = true;
        startsWork = e.cause();
        return null;
    }

    @Override
    public Void visit(RevokeDrained e) {
        revokeStep = true;
        return null;
    }

    @Override
    public Void visit(MappingsZapped e) {
        revokeStep = true;
        if (!revoking.contains(obj(e.object()))) { // a zap outside a revoke: revoke_iomem
            startsWork = Kernel.IOMEM_OBJECT.equals(e.object()) ? "revoke_iomem" : "zap";
        }
        long first = e.first();
        long count = Math.min(e.count(), Long.MAX_VALUE - Math.max(0, first));
        long earlier = 0;
        for (VmaSt v : byMapping.getOrDefault(e.mapping(), Set.of())) {
            if (!overlaps(v.mapped, first, count)) {
                continue;
            }
            long before = size(v.populated);
            v.populated.remove(first, count);
            long removed = before - size(v.populated);
            if (removed > 0) {
                if (!objects.get(v.object).equals(e.object())) {
                    zapLinks.add(new ZapLink(current.seq(), e.object(), v.id, objects.get(v.object), removed));
                }
            } else if (v.zapSeq > 0 && cascade != null && v.zapSeq >= cascade.root.seq()) {
                earlier = earlier == 0 ? v.zapSeq : Math.min(earlier, v.zapSeq);
            }
            if (removed > 0 || v.zapSeq == 0) {
                v.zapSeq = current.seq();
            }
            touch(v);
        }
        if (e.ptes() == 0 && earlier > 0) {
            alreadyZapped.put(current.seq(), earlier);
        }
        return null;
    }

    @Override
    public Void visit(FileReleased e) {
        FileSt f = files.get(e.file());
        if (f != null) {
            f.released = e.cause();
            touch(f);
        }
        revokeStep = e.cause() == ReleaseCause.REVOKE;
        return null;
    }

    @Override
    public Void visit(RevokeCompleted e) {
        revoking.remove(obj(e.object()));
        revokeStep = true;
        return null;
    }

    @Override
    public Void visit(FileClosed e) {
        FileSt f = files.get(e.file());
        if (f != null) {
            f.open = false;
            touch(f);
        }
        return null;
    }
}
