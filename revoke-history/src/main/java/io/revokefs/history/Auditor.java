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
 *   <li>{@link Invariant#CLOSE_ONCE}: at most one {@code VmaClosed} per page of a VMA, none after the
 *       object's {@code RevokeCompleted}, and, in a life with a {@code VmaClosed} (the driver
 *       closes), every page still mapped at {@code RevokeCompleted} closed by then, for every VMA
 *       (mapped, split or copied by fork) none of whose pieces had its {@code ->open} refused;</li>
 *   <li>{@link Invariant#KNOWN_REFERENCES}: every file an event names was opened earlier and not
 *       closed, every VMA was mapped or duplicated earlier and not wholly unmapped, and belongs to
 *       the event's object; ids of refused opens and mmaps are never usable, and no id is
 *       introduced twice.</li>
 * </ul>
 *
 * <p>Memory is bounded by the live part of the log: state is kept per live object (a few fields),
 * per open file and per mapped VMA, and dropped when the file is closed or the VMA wholly unmapped.
 * An object whose revoke completed, that no open file or live VMA names any more and whose memory
 * is on is retired: the last {@value #RETIRED_MEMORY} of them keep the seqs their messages name and
 * whether their driver closes VMAs, older ones only a 64-bit hash of their id with that flag ({@link
 * IdHashes}: some 16 bytes each, so that an entry after a revoke long past is still found). To
 * name retired files and VMAs in messages ("file-3 was closed at seq 40") the auditor remembers the
 * last {@value #RETIRED_MEMORY} retired ids; an older one is reported as never introduced.
 *
 * <p>Each event type has its own method in a {@link RevokeEvent.Visitor}, so a new type does not
 * compile until the auditor decides what it checks; a new invariant is a constant of {@link
 * Invariant} and the checks of the events it concerns. The section-7 invariants are checked here
 * and nowhere else: the explorer and the conformance suite call {@link #audit(Iterable)}.
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
         * driver closes (its life has a {@code VmaClosed}), every page of a VMA still mapped at
         * {@code RevokeCompleted} covered by a {@code VmaClosed} by then: the pieces of a VMA
         * ({@code Mmapped}, the pieces splits made of it, which keep its id) and fork copies
         * ({@code VmaDuplicated}) alike. A piece or copy whose {@code ->open} the revoke refused did
         * not reach the driver and is owed no close: the library records that refusal as
         * {@code AccessRefused} with op {@code open}, and such a VMA is checked for double closes
         * only. A log without any {@code VmaClosed} passes.
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
     * One violation. {@link #toString()} and {@link #line()} escape the object id and the message
     * ({@link #escape}), so a finding is always one line whatever ids a log holds.
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

        /** The command line's form: {@code INVARIANT seq=N object=ID: message}, escaped. */
        public String line() {
            return invariant + " seq=" + seq + " object=" + escape(object) + ": " + escape(message);
        }

        @Override
        public String toString() {
            return invariant + " at seq " + seq + " (" + escape(object) + "): " + escape(message);
        }
    }

    /**
     * {@code s} with every backslash doubled and every control character, line separator and
     * paragraph separator written as <code>&#92;uXXXX</code> ({@code \n}, {@code \r}, {@code \t} for the
     * usual three): printable, one line, and not confusable with the text around it.
     */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int kind = Character.getType(c);
            String rep = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                    : kind == Character.CONTROL || kind == Character.LINE_SEPARATOR || kind == Character.PARAGRAPH_SEPARATOR
                    ? String.format("\\u%04X", (int) c) : null;
            if (rep != null && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (rep != null) {
                    b.append(rep);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    private enum Phase { LIVE, STARTED, DRAINED, ZAPPED, COMPLETED }

    private static final class Obj {
        Phase phase = Phase.LIVE;
        /** Which life (registration) of the id this is; VMAs and files belong to the life they began in. */
        int life;
        long startedSeq;
        /** The seq of the last RevokeCompleted; 0 for an object retired so long ago that it is forgotten. */
        long completedSeq;
        /** Open files and live VMAs of any life that belong to this object: it is retired only at 0. */
        int refs;
        /**
         * The seq of the {@code MemoryToggled(off)} in force, 0 while memory is on. An object is not
         * retired while its memory is off, so that an install after its revoke is still checked.
         */
        long memoryOffSeq;
        final List<MappingsZapped> zaps = new ArrayList<>(1);
        final Set<String> files = new LinkedHashSet<>();
        final Set<String> vmas = new LinkedHashSet<>();
        /**
         * VmaClosed events in this life: non-zero means the driver has a vm close. Kept through
         * retirement ({@link Retired#closes}), reset by the next ObjectRegistered.
         */
        int closes;
    }

    /**
     * What a retired object keeps: the seq of its RevokeCompleted, and whether its driver closes VMAs
     * ({@link Invariant#CLOSE_ONCE}: a second revoke of the same life, reported as out of order, is
     * checked against it).
     */
    private record Retired(long completedSeq, boolean closes) {
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
        /**
         * A piece of it (a split piece, or the fork copy itself) had its {@code ->open} refused
         * ({@code AccessRefused} op {@code open}): not every piece reached the driver.
         */
        boolean openRefused;

        VmaSt(String object, int life, int pid, String mapping, RangeSet mapped) {
            this.object = object;
            this.life = life;
            this.pid = pid;
            this.mapping = mapping;
            this.mapped = mapped;
        }
    }

    private final Consumer<Finding> sink;
    private final Checks checks = new Checks();
    private final Map<String, Obj> objects = new HashMap<>();
    private final Map<String, FileSt> files = new HashMap<>();
    private final Map<String, VmaSt> vmas = new HashMap<>();
    /**
     * CLOSE_ONCE findings "left unclosed at revoke", by VMA id, reported by {@link #finish()} unless
     * an {@code AccessRefused} of op {@code open} for the VMA comes first (the refusal of a fork or
     * split that raced the revoke may be recorded after its RevokeCompleted).
     */
    private final Map<String, Finding> unclosedAtRevoke = new LinkedHashMap<>();
    private final Map<String, String> retired = lru();
    /** Retired objects whose seqs are still remembered. */
    private final Map<String, Retired> retiredObjects = new LinkedHashMap<>(RETIRED_MEMORY * 2, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Retired> eldest) {
            if (size() > RETIRED_MEMORY) {
                forgottenObjects.put(eldest.getKey(), FORGOTTEN | (eldest.getValue().closes() ? FORGOTTEN_CLOSES : 0));
                return true;
            }
            return false;
        }
    };
    /**
     * Hashes of objects retired before the last {@value #RETIRED_MEMORY}, each with {@link #FORGOTTEN}
     * and, if the driver closes VMAs, {@link #FORGOTTEN_CLOSES}.
     */
    private final IdHashes forgottenObjects = new IdHashes();
    private static final int FORGOTTEN = 1;
    private static final int FORGOTTEN_CLOSES = 2;
    private long expectedSeq = 1;
    private long events;
    private boolean finished;
    // The event being checked, for the visitor's methods.
    private long seq;
    private String object;
    private Obj o;

    private static Map<String, String> lru() {
        return new LinkedHashMap<>(RETIRED_MEMORY * 2, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > RETIRED_MEMORY;
            }
        };
    }

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

    /**
     * Audits a whole log held in memory (a list of a test's or an explored schedule's events); the
     * findings in the order found, empty for a clean log.
     */
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

    /**
     * {@link Invariant#NO_PTE_WHILE_MEMORY_OFF}: an install of PTEs ({@code install} says which) while
     * the object's memory is off. The visitor's {@code Faulted}, {@code Mmapped} and {@code
     * VmaDuplicated} call it first; {@code MemoryToggled} and {@code ObjectRegistered} track the state.
     */
    private void checkMemoryOff(String install) {
        if (o.memoryOffSeq != 0) {
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
        unclosedAtRevoke.values().forEach(sink);
        objects.forEach((id, ob) -> {
            if (ob.phase == Phase.STARTED || ob.phase == Phase.DRAINED || ob.phase == Phase.ZAPPED) {
                report(Invariant.REVOKE_ORDER, ob.startedSeq, id, "the revoke started at seq " + ob.startedSeq
                        + " never completed (the log ends after " + phaseEvent(ob.phase) + ")");
            }
        });
    }

    /** Checks the next event of the log. */
    public void accept(RecordedEvent recorded) {
        if (finished) {
            throw new IllegalStateException("the audit is finished");
        }
        events++;
        seq = recorded.seq();
        RevokeEvent event = recorded.event();
        object = event.object();
        if (seq != expectedSeq) {
            report(Invariant.SEQ_CONTIGUOUS, seq, object, expectedSeq == 1
                    ? "the log starts at seq " + seq + ", not 1"
                    : "seq " + seq + " follows seq " + (expectedSeq - 1) + " (expected " + expectedSeq + ")");
        }
        expectedSeq = seq + 1;
        o = objectState(object);
        event.accept(checks);
        retireIfDone(object, o);
    }

    /** The state of {@code id}: live, brought back from retirement (revoke completed), or new. */
    private Obj objectState(String id) {
        Obj ob = objects.get(id);
        if (ob == null) {
            ob = new Obj();
            Retired r = retiredObjects.remove(id);
            int forgotten = r != null ? 0 : forgottenObjects.get(id, 0);
            if (r != null || forgotten != 0) {
                ob.phase = Phase.COMPLETED;
                ob.completedSeq = r == null ? 0 : r.completedSeq();
                ob.life = 1;
                ob.closes = r != null ? (r.closes() ? 1 : 0) : (forgotten & FORGOTTEN_CLOSES) != 0 ? 1 : 0;
            }
            objects.put(id, ob);
        }
        return ob;
    }

    /**
     * Drops the state of an object whose revoke completed, that nothing live names any more and whose
     * memory is on; what its later events are checked against (completed, the driver closes) is kept.
     */
    private void retireIfDone(String id, Obj ob) {
        if (ob.phase == Phase.COMPLETED && ob.refs == 0 && ob.memoryOffSeq == 0) {
            objects.remove(id);
            retiredObjects.put(id, new Retired(ob.completedSeq, ob.closes > 0));
        }
    }

    /** The checks of each event type; {@link #seq}, {@link #object} and {@link #o} are the event's. */
    private final class Checks implements RevokeEvent.Visitor<Void> {
        @Override
        public Void visit(ObjectRegistered e) {
            o.memoryOffSeq = 0;
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
            o.closes = 0;
            return null;
        }

        @Override
        public Void visit(FileOpened f) {
            checkNoEntry("FileOpened of " + f.file());
            checkFresh(f.file(), "file");
            files.put(f.file(), new FileSt(object));
            o.refs++;
            o.files.add(f.file());
            return null;
        }

        @Override
        public Void visit(OpenRefused r) {
            checkFresh(r.file(), "file");
            retired.put(r.file(), "was refused at seq " + seq);
            return null;
        }

        @Override
        public Void visit(Mmapped m) {
            if (m.populated() > 0) {
                checkMemoryOff("Mmapped " + m.vma() + " with " + m.populated() + " page(s) populated");
            }
            checkNoEntry("Mmapped of " + m.vma());
            knownFile(m.file());
            checkFresh(m.vma(), "vma");
            RangeSet mapped = new RangeSet();
            mapped.add(m.pgoff(), m.pages());
            VmaSt v = new VmaSt(object, o.life, m.pid(), m.mapping(), mapped);
            addVma(m.vma(), v);
            return null;
        }

        @Override
        public Void visit(MmapRefused r) {
            knownFile(r.file());
            checkFresh(r.vma(), "vma");
            retired.put(r.vma(), "was declared by a refused mmap at seq " + seq);
            return null;
        }

        @Override
        public Void visit(VmaDuplicated d) {
            if (d.ptes() > 0) {
                checkMemoryOff("VmaDuplicated " + d.vma() + " with " + d.ptes() + " PTE(s) copied");
            }
            VmaSt parent = knownVma(d.from());
            checkFresh(d.vma(), "vma");
            // An unknown parent leaves the child empty: it is reported once, here, not at each later use.
            // A copy belongs to the life of the VMA it was copied from, which may be an earlier one.
            addVma(d.vma(), parent == null ? new VmaSt(object, o.life, d.pid(), "?", new RangeSet())
                    : new VmaSt(object, parent.life, d.pid(), parent.mapping, new RangeSet(parent.mapped)));
            return null;
        }

        @Override
        public Void visit(VmaUnmapped u) {
            VmaSt v = knownVma(u.vma());
            if (v != null) {
                v.mapped.remove(u.pgoff(), u.pages());
                if (v.mapped.isEmpty()) {
                    vmas.remove(u.vma());
                    o.vmas.remove(u.vma());
                    o.refs--;
                    retired.put(u.vma(), "was wholly unmapped at seq " + seq);
                }
            }
            return null;
        }

        @Override
        public Void visit(VmaClosed c) {
            vmaClosed(c);
            return null;
        }

        @Override
        public Void visit(Faulted f) {
            checkMemoryOff("Faulted on " + f.vma() + " page " + f.pgoff());
            checkNoEntry("Faulted on " + f.vma());
            knownVma(f.vma());
            return null;
        }

        @Override
        public Void visit(AccessRefused a) {
            if (a.file() != null) {
                knownFile(a.file());
            } else {
                VmaSt v = knownVma(a.vma());
                if (a.op().equals(AccessRefused.OPEN)) {
                    unclosedAtRevoke.remove(a.vma()); // CLOSE_ONCE: a piece of it is owed no close
                    if (v != null) {
                        v.openRefused = true;
                    }
                }
            }
            return null;
        }

        @Override
        public Void visit(RevokeStarted e) {
            if (o.phase != Phase.LIVE) {
                report(Invariant.REVOKE_ORDER, seq, object, o.phase == Phase.COMPLETED
                        ? "RevokeStarted again after the revoke completed at " + completedAt(o)
                        + " without a new ObjectRegistered"
                        : "a second RevokeStarted in the revoke started at seq " + o.startedSeq);
            }
            if (o.phase == Phase.LIVE || o.phase == Phase.COMPLETED) {
                o.phase = Phase.STARTED;
                o.startedSeq = seq;
                o.zaps.clear();
            }
            return null;
        }

        @Override
        public Void visit(RevokeDrained e) {
            if (o.phase != Phase.STARTED) {
                report(Invariant.REVOKE_ORDER, seq, object, "RevokeDrained " + misplaced(o));
            } else {
                o.phase = Phase.DRAINED;
            }
            return null;
        }

        @Override
        public Void visit(MappingsZapped z) {
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
            return null;
        }

        @Override
        public Void visit(FileReleased r) {
            FileSt f = knownFile(r.file());
            if (f != null) {
                if (f.releasedSeq != 0) {
                    report(Invariant.RELEASE_ONCE, seq, object, r.file() + " released a second time (first at seq "
                            + f.releasedSeq + ")");
                } else {
                    f.releasedSeq = seq;
                }
            }
            return null;
        }

        @Override
        public Void visit(RevokeCompleted e) {
            completeRevoke();
            return null;
        }

        @Override
        public Void visit(FileClosed c) {
            FileSt f = knownFile(c.file());
            if (f != null) {
                if (f.releasedSeq == 0 && !f.reported) {
                    report(Invariant.RELEASE_ONCE, seq, object, c.file() + " closed without a FileReleased");
                }
                files.remove(c.file());
                o.files.remove(c.file());
                o.refs--;
                retired.put(c.file(), "was closed at seq " + seq);
            }
            return null;
        }

        @Override
        public Void visit(MemoryToggled m) {
            o.memoryOffSeq = m.isOff() ? (o.memoryOffSeq == 0 ? seq : o.memoryOffSeq) : 0;
            return null;
        }
    }

    private void vmaClosed(VmaClosed c) {
        if (o.phase == Phase.COMPLETED) {
            report(Invariant.CLOSE_ONCE, seq, object, c.vma() + " [" + c.pgoff() + ", +" + c.pages()
                    + ") closed (" + c.cause() + ") after the revoke completed at " + completedAt(o));
        }
        VmaSt v = knownVma(c.vma());
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

    private void completeRevoke() {
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
                RangeSet unclosed = new RangeSet(v.mapped);
                unclosed.removeAll(v.closed);
                if (!v.openRefused && !unclosed.isEmpty()) {
                    // Held until the end of the log: a fork or split whose ->open the revoke refuses
                    // may record that refusal just after this RevokeCompleted (it had recorded the
                    // copy before its open looked), and then nothing was owed.
                    unclosedAtRevoke.put(id, new Finding(Invariant.CLOSE_ONCE, seq, object, id + " (pid " + v.pid
                            + ") still maps " + unclosed + " and was not closed by RevokeCompleted, though the driver closes VMAs"));
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

    private static String completedAt(Obj o) {
        return o.completedSeq == 0 ? "an earlier seq" : "seq " + o.completedSeq;
    }

    private static String misplaced(Obj o) {
        switch (o.phase) {
            case LIVE:
                return "without a RevokeStarted";
            case COMPLETED:
                return "after the revoke already completed at " + completedAt(o);
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

    private void checkNoEntry(String what) {
        if (o.phase != Phase.LIVE) {
            report(Invariant.NO_ENTRY_AFTER_REVOKE, seq, object, what + " after the RevokeStarted at "
                    + (o.startedSeq == 0 ? "an earlier seq" : "seq " + o.startedSeq));
        }
    }

    /** An id being introduced must not be live or recently retired. */
    private void checkFresh(String id, String kind) {
        if (files.containsKey(id) || vmas.containsKey(id)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, kind + " id " + id + " is introduced again while in use");
        } else if (retired.containsKey(id)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, kind + " id " + id + " is introduced again; it "
                    + retired.get(id));
        }
    }

    private FileSt knownFile(String id) {
        FileSt f = files.get(id);
        if (f == null) {
            report(Invariant.KNOWN_REFERENCES, seq, object, unknown("file", id));
        } else if (!f.object.equals(object)) {
            report(Invariant.KNOWN_REFERENCES, seq, object, id + " belongs to " + f.object);
            return null;
        }
        return f;
    }

    private VmaSt knownVma(String id) {
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

    private void addVma(String id, VmaSt v) {
        vmas.put(id, v);
        o.refs++;
        if (v.life == o.life) {
            o.vmas.add(id);
        }
    }

    private void report(Invariant invariant, long seq, String object, String message) {
        sink.accept(new Finding(invariant, seq, object, message));
    }

    /** Entries held now (objects, open files, live VMAs, remembered retired ids): the bounded state. */
    int retainedEntries() {
        return objects.size() + files.size() + vmas.size() + retired.size() + retiredObjects.size();
    }

    /** Objects whose state is held (not retired). */
    int liveObjects() {
        return objects.size();
    }

    /** Objects whose ids are remembered only as a hash. */
    long forgottenObjects() {
        return forgottenObjects.size();
    }
}
