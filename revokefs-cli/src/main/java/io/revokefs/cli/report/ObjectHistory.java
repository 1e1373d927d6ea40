package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.kernel.Kernel;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The events of one revocable object, in log order, with its revokes picked out: each
 * {@code RevokeStarted} opens a {@link RevokeSpan} that the object's next {@code RevokeDrained},
 * {@code MappingsZapped} and {@code RevokeCompleted} fill in (docs/semantics.md section 7,
 * {@code REVOKE_ORDER}). A step that comes outside an open span (a log that breaks the order, or a
 * zap of the shared iomem mapping) stays a plain event and is drawn as a mark.
 *
 * <p>Only the objects the page draws ({@link HtmlReport.Limits#objects}, the first to appear) keep
 * their events and revokes; the others keep their counts for the index and the summary, so the
 * histories of a log of many objects take memory for the drawn ones only (issue 18 point 9).
 */
final class ObjectHistory implements RevokeEvent.Visitor<Void> {
    final String object;
    /** Whether the events and revokes are kept ({@link #events}, {@link #revokes}, {@link #inSpans}); else only counted. */
    final boolean detailed;
    /** The object's events, in log order; empty unless {@link #detailed}. */
    final List<RecordedEvent> events = new ArrayList<>();
    /** The object's revokes; empty unless {@link #detailed}. */
    final List<RevokeSpan> revokes = new ArrayList<>();
    /** How many events the object has, kept or not. */
    int eventCount;
    /** How many {@code RevokeStarted} the object has, kept or not. */
    int revokeCount;
    /** The seqs of the events a {@link RevokeSpan} draws, so that they get no mark of their own. */
    final Set<Long> inSpans = new HashSet<>();
    /** The adapter of the object's latest {@code ObjectRegistered}, or {@code null}. */
    String adapter;
    int refused;
    /** Refusals that carry an expectation of failure from the scenario line that caused them. */
    int expectedRefusals;
    /** Refusals that carry an expectation at all (the log comes from a scenario run). */
    int judgedRefusals;
    /** {@code Faulted} events of eager population ({@code by=populate}). */
    int populated;
    private RevokeSpan open;
    private RecordedEvent current;

    private ObjectHistory(String object, boolean detailed) {
        this.object = object;
        this.detailed = detailed;
    }

    /**
     * The histories of a log, one per object in the order objects first appear, fed one event at a
     * time; the first {@code detailed} objects keep their events.
     */
    static final class Collector implements Consumer<RecordedEvent> {
        private final int detailed;
        private final Map<String, ObjectHistory> byObject = new LinkedHashMap<>();

        Collector(int detailed) {
            this.detailed = detailed;
        }

        @Override
        public void accept(RecordedEvent e) {
            ObjectHistory h = byObject.get(e.object());
            if (h == null) {
                h = new ObjectHistory(e.object(), byObject.size() < detailed);
                byObject.put(e.object(), h);
            }
            h.add(e);
        }

        List<ObjectHistory> histories() {
            return List.copyOf(byObject.values());
        }
    }

    /** Whether this is the pseudo-object under which {@code revoke_iomem} records its zaps. */
    boolean isIomem() {
        return Kernel.IOMEM_OBJECT.equals(object);
    }

    private void add(RecordedEvent e) {
        eventCount++;
        if (detailed) {
            events.add(e);
        }
        current = e;
        e.event().accept(this);
        if (!detailed) {
            current = null; // nor the last one
        }
    }

    @Override
    public Void visit(ObjectRegistered e) {
        adapter = e.adapter();
        return null;
    }

    @Override
    public Void visit(RevokeStarted e) {
        revokeCount++;
        if (!detailed) {
            return null;
        }
        open = new RevokeSpan(current);
        revokes.add(open);
        inSpans.add(current.seq());
        return null;
    }

    @Override
    public Void visit(RevokeDrained e) {
        if (open != null && open.drained == null && open.zapped == null) {
            open.drained = current;
            inSpans.add(current.seq());
        }
        return null;
    }

    @Override
    public Void visit(MappingsZapped e) {
        if (open != null && open.zapped == null) {
            open.zapped = current;
            inSpans.add(current.seq());
        }
        return null;
    }

    @Override
    public Void visit(RevokeCompleted e) {
        if (open != null) {
            open.completed = current;
            inSpans.add(current.seq());
            open = null;
        }
        return null;
    }

    @Override
    public Void visit(FileReleased e) {
        if (open != null && e.cause() == ReleaseCause.REVOKE) {
            open.released++;
        }
        return null;
    }

    @Override
    public Void visit(OpenRefused e) {
        refused(e.expect());
        return null;
    }

    @Override
    public Void visit(MmapRefused e) {
        refused(e.expect());
        return null;
    }

    @Override
    public Void visit(AccessRefused e) {
        refused(e.expect());
        return null;
    }

    private void refused(String expect) {
        refused++;
        if (expect != null) {
            judgedRefusals++;
        }
        if (Marks.expected(expect)) {
            expectedRefusals++;
        }
    }

    @Override
    public Void visit(Faulted e) {
        if (RevokeEvent.Faulted.POPULATE.equals(e.by())) {
            populated++;
        }
        return null;
    }

    // Events that change nothing here but the list of events.

    @Override
    public Void visit(FileOpened e) {
        return null;
    }

    @Override
    public Void visit(Mmapped e) {
        return null;
    }

    @Override
    public Void visit(VmaDuplicated e) {
        return null;
    }

    @Override
    public Void visit(VmaUnmapped e) {
        return null;
    }

    @Override
    public Void visit(VmaClosed e) {
        return null;
    }

    @Override
    public Void visit(MemoryToggled e) {
        return null;
    }

    @Override
    public Void visit(FileClosed e) {
        return null;
    }

    /**
     * One revoke of the object: its four steps, any of the last three missing when the log ends (or
     * breaks the order) before them.
     */
    static final class RevokeSpan {
        final RecordedEvent started;
        RecordedEvent drained;
        RecordedEvent zapped;
        RecordedEvent completed;
        /** {@code FileReleased} with cause REVOKE between the start and the completion. */
        int released;

        RevokeSpan(RecordedEvent started) {
            this.started = started;
        }

        /** The steps present, in order. */
        List<RecordedEvent> steps() {
            List<RecordedEvent> steps = new ArrayList<>(4);
            steps.add(started);
            for (RecordedEvent e : new RecordedEvent[] {drained, zapped, completed}) {
                if (e != null) {
                    steps.add(e);
                }
            }
            return steps;
        }

        RecordedEvent last() {
            List<RecordedEvent> steps = steps();
            return steps.get(steps.size() - 1);
        }

        String cause() {
            return ((RevokeEvent.RevokeStarted) started.event()).cause();
        }
    }
}
