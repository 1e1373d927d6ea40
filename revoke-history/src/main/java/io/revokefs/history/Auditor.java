package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Checks an event log against the invariants of docs/semantics.md section 7, in one streaming pass.
 * Feed events in log order with {@link #accept}, then call {@link #finish()}; or use {@link
 * #audit(Stream)}. Each violation is reported once as a {@link Finding}: the invariant's id, the
 * {@code seq} of the event at which the violation shows, the object, and a sentence.
 *
 * <p>Readings of the invariants (docs/events.md explains them with examples):
 * <ul>
 *   <li>{@link Invariant#NO_ENTRY_AFTER_REVOKE}: no {@code Faulted}, {@code Mmapped} or {@code
 *       FileOpened} of an object after its {@code RevokeStarted}, until it is registered again;</li>
 *   <li>{@link Invariant#NO_LIVE_MAPPING_AFTER_REVOKE}: at {@code RevokeCompleted}, the pages every
 *       VMA of the object still maps must be covered by the ranges of the {@code MappingsZapped}
 *       events of the object, on the VMA's mapping, between {@code RevokeStarted} and {@code
 *       RevokeCompleted};</li>
 *   <li>{@link Invariant#RELEASE_ONCE}: at most one {@code FileReleased} per file; a file still
 *       open at its object's {@code RevokeCompleted} has been released by then, and a file is
 *       released before its {@code FileClosed};</li>
 *   <li>{@link Invariant#REVOKE_ORDER}: {@code RevokeStarted < RevokeDrained < MappingsZapped <
 *       RevokeCompleted}, once each per life, except that the zap step of an object backed by
 *       several disjoint ranges records one {@code MappingsZapped} per range, all of them between
 *       {@code RevokeDrained} and {@code RevokeCompleted}; a {@code MappingsZapped} outside a revoke
 *       (a vfio-style disable) is not part of it; a revoke that never completes is reported at its
 *       {@code RevokeStarted};</li>
 *   <li>{@link Invariant#SEQ_CONTIGUOUS}: seq starts at 1 and rises by exactly 1;</li>
 *   <li>{@link Invariant#NO_PTE_WHILE_MEMORY_OFF}: no PTE of an object is installed between its
 *       {@code MemoryToggled(off)} and its next {@code MemoryToggled(on)} (vfio-pci);</li>
 *   <li>{@link Invariant#KNOWN_REFERENCES}: every file an event names was opened earlier and not
 *       closed, every VMA was mapped or duplicated earlier and not wholly unmapped, and belongs to
 *       the event's object; ids of refused opens and mmaps are never usable, and no id is
 *       introduced twice.</li>
 * </ul>
 *
 * <p>Memory is bounded by the live part of the log: state is kept per object (a few fields), per
 * open file and per mapped VMA, and dropped when the file is closed or the VMA wholly unmapped. To
 * name retired ids in messages ("file-3 was closed at seq 40") the auditor remembers the last
 * {@value #RETIRED_MEMORY} retired ids; an older one is reported as never introduced.
 *
 * <p>Not thread-safe: one auditor per log, fed by one thread.
 */
public final class Auditor {
    /** How many retired ids (closed, refused, unmapped) are remembered for messages and reuse checks. */
    static final int RETIRED_MEMORY = 4096;

    /** The invariants of docs/semantics.md section 7, by id. */
    public enum Invariant {
        NO_ENTRY_AFTER_REVOKE,
        NO_LIVE_MAPPING_AFTER_REVOKE,
        RELEASE_ONCE,
        REVOKE_ORDER,
        SEQ_CONTIGUOUS,
        KNOWN_REFERENCES,
        /**
         * docs/semantics.md section 9: at most one {@code VmaClosed} per piece of a VMA (no two cover the
         * same page), none after the object's {@code RevokeCompleted}, and, for an object whose
         * driver closes (its life has a {@code VmaClosed}), every VMA mapped by {@code Mmapped} and
         * still mapped at {@code RevokeCompleted} closed by then. A log without any {@code VmaClosed}
         * passes. Fork copies and split pieces are checked for double closes only: the log does not
         * say which of them reached the driver's {@code ->open}.
         */
        CLOSE_ONCE,
        /**
         * vfio-style temporary revoke: between an object's {@code MemoryToggled(off)} and its next
         * {@code MemoryToggled(on)} no PTE of it is installed: no {@code Faulted}, no {@code Mmapped}
         * with populated pages, no {@code VmaDuplicated} that copied PTEs. A new life starts with
         * memory on. A log without {@code MemoryToggled} never violates it.
         */
        NO_PTE_WHILE_MEMORY_OFF
    }

    /**
     * One violation.
     *
     * @param invariant which invariant
     * @param seq the seq of the offending event
     * @param object the object it concerns
     * @param message one sentence saying what is wrong
     */
    public record Finding(Invariant invariant, long seq, String object, String message) {
        public Finding {
            Objects.requireNonNull(invariant, "invariant");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String toString() {
            return invariant + " at seq " + seq + " (" + object + "): " + message;
        }
    }

    private enum Phase { LIVE, STARTED, DRAINED, ZAPPED, COMPLETED }

    private static final class Obj {
        Phase phase = Phase.LIVE;
        /** Which life (registration) of the id this is; VMAs and files belong to the life they began in. */
        int life;
        long startedSeq;
        long completedSeq;
        /** The seq of the {@code MemoryToggled(off)} in force, 0 while memory is on. */
        long memoryOffSeq;
        final List<MappingsZapped> zaps = new ArrayList<>(1);
        final Set<String> files = new LinkedHashSet<>();
        final Set<String> vmas = new LinkedHashSet<>();
        /** VmaClosed events in this life: non-zero means the driver has a vm close. */
        int closes;
    }

    private static final class FileSt {
        final String object;
        long releasedSeq;
        boolean reported;

        FileSt(String object) {
            this.object = object;
        }
    }

    private static final class VmaSt {
        final String object;
        final int pid;
        final String mapping;
        final RangeSet mapped;
        final int life;
        /** Pages of the VMA whose piece got VmaClosed. */
        final RangeSet closed = new RangeSet();
        /** Introduced by Mmapped (it reached the driver's mmap), not by a fork copy. */
        boolean mmapped;

        VmaSt(String object, int life, int pid, String mapping, RangeSet mapped) {
            this.object = object;
            this.life = life;
            this.pid = pid;
            this.mapping = mapping;
            this.mapped = mapped;
        }
    }

    private final Consumer<Finding> sink;
    private final Map<String, Obj> objects = new HashMap<>();
    private final Map<String, FileSt> files = new HashMap<>();
    private final Map<String, VmaSt> vmas = new HashMap<>();
    private final Map<String, String> retired = new LinkedHashMap<>(RETIRED_MEMORY * 2, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > RETIRED_MEMORY;
        }
    };
    private long expectedSeq = 1;
    private long events;
    private boolean finished;

    /** An auditor that hands each finding to {@code sink} as soon as it is found. */
    public Auditor(Consumer<Finding> sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** Audits a whole log; the findings in the order found. Closes nothing: close the stream yourself. */
    public static List<Finding> audit(Stream<RecordedEvent> log) {
        List<Finding> findings = new ArrayList<>();
        Auditor auditor = new Auditor(findings::add);
        Iterator<RecordedEvent> it = log.iterator();
        while (it.hasNext()) {
            auditor.accept(it.next());
        }
        auditor.finish();
        return findings;
    }

    /** Audits a whole log held in memory. */
    public static List<Finding> audit(Iterable<RecordedEvent> log) {
        List<Finding> findings = new ArrayList<>();
        Auditor auditor = new Auditor(findings::add);
        log.forEach(auditor::accept);
        auditor.finish();
        return findings;
    }

    /** How many events were accepted. */
    public long eventCount() {
        return events;
    }

    /** {@link Invariant#NO_PTE_WHILE_MEMORY_OFF}: tracks {@code MemoryToggled} and checks every install against it. */
    private void checkMemoryOff(Obj o, RevokeEvent event, long seq, String object) {
        String install = null;
        if (event instanceof ObjectRegistered) {
            o.memoryOffSeq = 0;
        } else if (event instanceof MemoryToggled m) {
            o.memoryOffSeq = m.isOff() ? (o.memoryOffSeq == 0 ? seq : o.memoryOffSeq) : 0;
        } else if (event instanceof Faulted f) {
            install = "Faulted on " + f.vma() + " page " + f.pgoff();
        } else if (event instanceof Mmapped m && m.populated() > 0) {
            install = "Mmapped " + m.vma() + " with " + m.populated() + " page(s) populated";
        } else if (event instanceof VmaDuplicated d && d.ptes() > 0) {
            install = "VmaDuplicated " + d.vma() + " with " + d.ptes() + " PTE(s) copied";
        }
        if (install != null && o.memoryOffSeq != 0) {
            report(Invariant.NO_PTE_WHILE_MEMORY_OFF, seq, object, install + " while memory is off (since the MemoryToggled(off) at seq "
                    + o.memoryOffSeq + ")");
        }
    }

    /** Reports the end-of-log findings (revokes never completed). Call once, after the last event. */
    public void finish() {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
        finished = true;
        objects.forEach((id, o) -> {
            if (o.phase == Phase.STARTED || o.phase == Phase.DRAINED || o.phase == Phase.ZAPPED) {
                report(Invariant.REVOKE_ORDER, o.startedSeq, id, "the revoke started at seq " + o.startedSeq
                        + " never completed (the log ends after " + phaseEvent(o.phase) + ")");
            }
        });
    }

    /** Checks the next event of the log. */
    public void accept(RecordedEvent recorded) {
        if (finished) {
            throw new IllegalStateException("the audit is finished");
        }
        events++;
        long seq = recorded.seq();
        RevokeEvent event = recorded.event();
        String object = event.object();
        if (seq != expectedSeq) {
            report(Invariant.SEQ_CONTIGUOUS, seq, object, expectedSeq == 1
                    ? "the log starts at seq " + seq + ", not 1"
                    : "seq " + seq + " follows seq " + (expectedSeq - 1) + " (expected " + expectedSeq + ")");
        }
        expectedSeq = seq + 1;
        Obj o = objects.computeIfAbsent(object, k -> new Obj());
        checkMemoryOff(o, event, seq, object);

        if (event instanceof ObjectRegistered) {
            if (o.phase == Phase.STARTED || o.phase == Phase.DRAINED || o.phase == Phase.ZAPPED) {
                report(Invariant.REVOKE_ORDER, seq, object, "registered again while the revoke started at seq "
                        + o.startedSeq + " had not completed");
            }
            o.phase = Phase.LIVE;
            o.zaps.clear();
            // A new life: what the previous one left (checked at its RevokeCompleted) is not this life's.
            o.life++;
            o.vmas.clear();
            o.files.clear();
        } else if (event instanceof FileOpened f) {
            checkNoEntry(o, seq, object, "FileOpened of " + f.file());
            checkFresh(f.file(), "file", seq, object);
            files.put(f.file(), new FileSt(object));
            o.files.add(f.file());
        } else if (event instanceof OpenRefused r) {
            checkFresh(r.file(), "file", seq, object);
            retired.put(r.file(), "was refused at seq " + seq);
        } else if (event instanceof Mmapped m) {
            checkNoEntry(o, seq, object, "Mmapped of " + m.vma());
            knownFile(m.file(), seq, object);
            checkFresh(m.vma(), "vma", seq, object);
            RangeSet mapped = new RangeSet();
            mapped.add(m.pgoff(), m.pages());
            VmaSt v = new VmaSt(object, o.life, m.pid(), m.mapping(), mapped);
            v.mmapped = true;
            addVma(m.vma(), v, o);
        } else if (event instanceof MmapRefused r) {
            knownFile(r.file(), seq, object);
            checkFresh(r.vma(), "vma", seq, object);
            retired.put(r.vma(), "was declared by a refused mmap at seq " + seq);
        } else if (event instanceof VmaDuplicated d) {
            VmaSt parent = knownVma(d.from(), seq, object);
            checkFresh(d.vma(), "vma", seq, object);
            // An unknown parent leaves the child empty: it is reported once, here, not at each later use.
            // A copy belongs to the life of the VMA it was copied from, which may be an earlier one.
            addVma(d.vma(), parent == null ? new VmaSt(object, o.life, d.pid(), "?", new RangeSet())
                    : new VmaSt(object, parent.life, d.pid(), parent.mapping, new RangeSet(parent.mapped)), o);
        } else if (event instanceof VmaUnmapped u) {
            VmaSt v = knownVma(u.vma(), seq, object);
            if (v != null) {
                v.mapped.remove(u.pgoff(), u.pages());
                if (v.mapped.isEmpty()) {
                    vmas.remove(u.vma());
                    objects.get(v.object).vmas.remove(u.vma());
                    retired.put(u.vma(), "was wholly unmapped at seq " + seq);
                }
            }
        } else if (event instanceof VmaClosed c) {
            vmaClosed(o, seq, object, c);
        } else if (event instanceof Faulted f) {
            checkNoEntry(o, seq, object, "Faulted on " + f.vma());
            knownVma(f.vma(), seq, object);
        } else if (event instanceof AccessRefused a) {
            if (a.file() != null) {
                knownFile(a.file(), seq, object);
            } else {
                knownVma(a.vma(), seq, object);
            }
        } else if (event instanceof RevokeStarted) {
            if (o.phase != Phase.LIVE) {
                report(Invariant.REVOKE_ORDER, seq, object, o.phase == Phase.COMPLETED
                        ? "RevokeStarted again after the revoke completed at seq " + o.completedSeq
                        + " without a new ObjectRegistered"
                        : "a second RevokeStarted in the revoke started at seq " + o.startedSeq);
            }
            if (o.phase == Phase.LIVE || o.phase == Phase.COMPLETED) {
                o.phase = Phase.STARTED;
                o.startedSeq = seq;
                o.zaps.clear();
            }
        } else if (event instanceof RevokeDrained) {
            if (o.phase != Phase.STARTED) {
                report(Invariant.REVOKE_ORDER, seq, object, "RevokeDrained " + misplaced(o));
            } else {
                o.phase = Phase.DRAINED;
            }
        } else if (event instanceof MappingsZapped z) {
            // Outside a revoke (LIVE, COMPLETED) a zap is a vfio-style disable: not part of the order.
            if (o.phase == Phase.STARTED) {
                report(Invariant.REVOKE_ORDER, seq, object, "MappingsZapped before RevokeDrained in the revoke started at seq "
                        + o.startedSeq);
            }
            // Several in a row are one zap step of an object backed by several disjoint ranges (a
            // /proc/bus/pci file with two BARs records one per range).
            if (o.phase == Phase.STARTED || o.phase == Phase.DRAINED || o.phase == Phase.ZAPPED) {
                o.zaps.add(z);
                o.phase = Phase.ZAPPED;
            }
        } else if (event instanceof FileReleased r) {
            FileSt f = knownFile(r.file(), seq, object);
            if (f != null) {
                if (f.releasedSeq != 0) {
                    report(Invariant.RELEASE_ONCE, seq, object, r.file() + " released a second time (first at seq "
                            + f.releasedSeq + ")");
                } else {
                    f.releasedSeq = seq;
                }
            }
        } else if (event instanceof RevokeCompleted) {
            completeRevoke(o, seq, object);
        } else if (event instanceof FileClosed c) {
            FileSt f = knownFile(c.file(), seq, object);
            if (f != null) {
                if (f.releasedSeq == 0 && !f.reported) {
                    report(Invariant.RELEASE_ONCE, seq, object, c.file() + " closed without a FileReleased");
                }
                files.remove(c.file());
                objects.get(f.object).files.remove(c.file());
                retired.put(c.file(), "was closed at seq " + seq);
            }
        }
    }

    private void vmaClosed(Obj o, long seq, String object, VmaClosed c) {
        if (o.phase == Phase.COMPLETED) {
            report(Invariant.CLOSE_ONCE, seq, object, c.vma() + " [" + c.pgoff() + ", +" + c.pages()
                    + ") closed (" + c.cause() + ") after the revoke completed at seq " + o.completedSeq);
        }
        VmaSt v = knownVma(c.vma(), seq, object);
        if (v == null) {
            return;
        }
        o.closes++;
        RangeSet outside = new RangeSet(v.closed);
        outside.remove(c.pgoff(), c.pages());
        RangeSet twice = new RangeSet(v.closed);
        twice.removeAll(outside);
        if (!twice.isEmpty()) {
            report(Invariant.CLOSE_ONCE, seq, object, c.vma() + " (pid " + v.pid + ") closed a second time over "
                    + twice + " (" + c.cause() + ")");
        }
        v.closed.add(c.pgoff(), c.pages());
    }

    private void completeRevoke(Obj o, long seq, String object) {
        if (o.phase != Phase.ZAPPED) {
            report(Invariant.REVOKE_ORDER, seq, object, "RevokeCompleted " + misplaced(o));
        }
        for (String id : o.vmas) {
            VmaSt v = vmas.get(id);
            RangeSet uncovered = new RangeSet(v.mapped);
            for (MappingsZapped z : o.zaps) {
                if (z.mapping().equals(v.mapping)) {
                    uncovered.remove(z.first(), z.count());
                }
            }
            if (!uncovered.isEmpty()) {
                report(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, seq, object, o.zaps.isEmpty()
                        ? id + " (pid " + v.pid + ") still maps " + v.mapped + " of " + v.mapping
                        + " and no MappingsZapped of this revoke covered it"
                        : id + " (pid " + v.pid + ") still maps " + uncovered + " of " + v.mapping
                        + ", outside every MappingsZapped of this revoke");
            }
        }
        if (o.closes > 0) {
            for (String id : o.vmas) {
                VmaSt v = vmas.get(id);
                if (v.mmapped && !v.mapped.isEmpty() && v.closed.isEmpty()) {
                    report(Invariant.CLOSE_ONCE, seq, object, id + " (pid " + v.pid + ") still maps " + v.mapped
                            + " and was not closed by RevokeCompleted, though the driver closes VMAs");
                }
            }
        }
        for (String id : o.files) {
            FileSt f = files.get(id);
            if (f.releasedSeq == 0 && !f.reported) {
                f.reported = true;
                report(Invariant.RELEASE_ONCE, seq, object, id + " is open and was not released by RevokeCompleted");
            }
        }
        o.phase = Phase.COMPLETED;
        o.completedSeq = seq;
        o.zaps.clear();
    }

    private static String misplaced(Obj o) {
        switch (o.phase) {
            case LIVE:
                return "without a RevokeStarted";
            case COMPLETED:
                return "after the revoke already completed at seq " + o.completedSeq;
            case STARTED:
                return "before RevokeDrained in the revoke started at seq " + o.startedSeq;
            case DRAINED:
                return "before MappingsZapped in the revoke started at seq " + o.startedSeq;
            default:
                return "after MappingsZapped in the revoke started at seq " + o.startedSeq;
        }
    }

    private static String phaseEvent(Phase p) {
        switch (p) {
            case STARTED:
                return "RevokeStarted";
            case DRAINED:
                return "RevokeDrained";
            default:
                return "MappingsZapped";
        }
    }

    private void checkNoEntry(Obj o, long seq, String object, String what) {
        if (o.phase != Phase.LIVE) {
            report(Invariant.NO_ENTRY_AFTER_REVOKE, seq, object, what + " after the RevokeStarted at seq " + o.startedSeq);
        }
    }

    /** An id being introduced must not be live or recently retired. */
    private void checkFresh(String id, String kind, long seq, String object) {
        if (files.containsKey(id) || vmas.containsKey(id)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, kind + " id " + id + " is introduced again while in use");
        } else if (retired.containsKey(id)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, kind + " id " + id + " is introduced again; it "
                    + retired.get(id));
        }
    }

    private FileSt knownFile(String id, long seq, String object) {
        FileSt f = files.get(id);
        if (f == null) {
            report(Invariant.KNOWN_REFERENCES, seq, object, unknown("file", id));
        } else if (!f.object.equals(object)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, id + " belongs to " + f.object);
            return null;
        }
        return f;
    }

    private VmaSt knownVma(String id, long seq, String object) {
        VmaSt v = vmas.get(id);
        if (v == null) {
            report(Invariant.KNOWN_REFERENCES, seq, object, unknown("vma", id));
        } else if (!v.object.equals(object)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, id + " belongs to " + v.object);
            return null;
        }
        return v;
    }

    private String unknown(String kind, String id) {
        String why = retired.get(id);
        return why != null ? kind + " " + id + " is not usable: it " + why
                : kind + " " + id + " was never " + (kind.equals("file") ? "opened" : "mapped");
    }

    private void addVma(String id, VmaSt v, Obj o) {
        vmas.put(id, v);
        if (v.life == o.life) {
            o.vmas.add(id);
        }
    }

    private void report(Invariant invariant, long seq, String object, String message) {
        sink.accept(new Finding(invariant, seq, object, message));
    }

    /** Entries held now (objects, open files, live VMAs, remembered retired ids): the bounded state. */
    int retainedEntries() {
        return objects.size() + files.size() + vmas.size() + retired.size();
    }
}
