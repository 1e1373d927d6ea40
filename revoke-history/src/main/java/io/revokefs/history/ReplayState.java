package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.core.kernel.Kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * The state of every revocable object rebuilt from an event log: what the live simulation should
 * hold at the same point (docs/semantics.md section 7, "replaying them rebuilds every revocable object's
 * state"). An immutable value: two states are {@link #equals equal} when every object's state is,
 * so a test can compare a replay with the live simulation's state built in the same shape.
 *
 * <p>An object id can have several lives: each {@code ObjectRegistered} starts one (life 1, 2, ...;
 * events of an id before its first registration, such as the {@code iomem} pseudo-object's zaps,
 * form life 0). A file belongs to the life it was opened in and a VMA to the life of its mmap (a
 * fork's copy to its parent's), whatever life is current when a later event names them: one life's
 * files and VMAs are never shown under another.
 *
 * <p>How each event changes the state:
 * <ul>
 *   <li>{@code ObjectRegistered}: a new life, with its adapter, not revoked;</li>
 *   <li>{@code FileOpened} adds an open file to the current life; {@code FileClosed} removes it
 *       from its own life;</li>
 *   <li>{@code FileReleased} records {@code file -> cause} in the releases of the file's life (kept
 *       after close);</li>
 *   <li>{@code RevokeStarted} marks the current life revoked (its guard is deactivated from then on);</li>
 *   <li>{@code Mmapped} adds a VMA mapping pages {@code [pgoff, pgoff+pages)} of {@code mapping}, the
 *       first {@code populated} of them populated (eager population), the physical page behind
 *       each known from its {@code pfn} (or, in the iomem mapping, its {@code pgoff}): {@link #whoMaps};</li>
 *   <li>{@code Faulted} marks a page of the VMA populated;</li>
 *   <li>{@code MappingsZapped(mapping, first, count)} clears the populated pages in {@code [first,
 *       first+count)} of every VMA, of any object, linked to that {@code mapping}; VMAs stay;</li>
 *   <li>{@code VmaDuplicated} copies the parent's mapped pages, and its populated pages when
 *       {@code ptes > 0} (fork copies all the PTEs of a VM_PFNMAP VMA and none of other shared
 *       mappings, which fault again in the child) to a new VMA of the child pid;</li>
 *   <li>{@code VmaUnmapped(vma, pgoff, pages)} removes those pages, mapped and populated; a VMA with
 *       no page left is gone;</li>
 *   <li>{@code OpenRefused}, {@code MmapRefused}, {@code AccessRefused}, {@code RevokeDrained},
 *       {@code RevokeCompleted} change nothing.</li>
 * </ul>
 * Replay is lenient: an event naming an unknown file or VMA is skipped (the {@link Auditor} reports it
 * as {@code KNOWN_REFERENCES}).
 *
 * <p>For logs too big to hold, {@link #stream} hands each life out as soon as it is over (revoke
 * completed, or a later life begun, and no file open or VMA left) and forgets it.
 *
 * @param lastSeq the seq of the last event applied (0 if none)
 * @param objects per object id, sorted by id
 */
public record ReplayState(long lastSeq, SortedMap<String, ObjectState> objects) {

    public ReplayState {
        objects = Collections.unmodifiableSortedMap(new TreeMap<>(objects));
    }

    /**
     * One revocable object: its lives, oldest first. The accessors other than {@link #lives()} read
     * the current (last) life.
     */
    public record ObjectState(List<Life> lives) {
        public ObjectState {
            lives = List.copyOf(lives);
            if (lives.isEmpty()) {
                throw new IllegalArgumentException("an object has at least one life");
            }
        }

        /** The last life. */
        public Life current() {
            return lives.get(lives.size() - 1);
        }

        /** The adapter of the current life ({@code null} before any registration). */
        public String adapter() {
            return current().adapter();
        }

        /** Whether the current life has begun revoking. */
        public boolean revoked() {
            return current().revoked();
        }

        /** The open files of the current life. */
        public SortedSet<String> openFiles() {
            return current().openFiles();
        }

        /** The releases of the current life. */
        public SortedMap<String, ReleaseCause> releases() {
            return current().releases();
        }

        /** The VMAs of the current life. */
        public SortedMap<String, VmaState> vmas() {
            return current().vmas();
        }
    }

    /**
     * One life of an object, from its {@code ObjectRegistered} to the next.
     *
     * @param number 1 for the first registration, 2 for the next, ...; 0 for events before any
     * @param adapter the adapter it was registered by ({@code null} for life 0)
     * @param revoked whether it has begun revoking
     * @param openFiles files opened in this life and not yet closed
     * @param releases every release done of this life's files, file id to cause
     * @param vmas the VMAs of this life still mapping some page, by VMA id
     */
    public record Life(int number, String adapter, boolean revoked, SortedSet<String> openFiles,
                       SortedMap<String, ReleaseCause> releases, SortedMap<String, VmaState> vmas) {
        public Life {
            openFiles = Collections.unmodifiableSortedSet(new TreeSet<>(openFiles));
            releases = Collections.unmodifiableSortedMap(new TreeMap<>(releases));
            vmas = Collections.unmodifiableSortedMap(new TreeMap<>(vmas));
        }
    }

    /**
     * One VMA.
     *
     * @param pid the process it belongs to
     * @param mapping the address_space it is linked into
     * @param mapped the file pages it still maps, as sorted, disjoint, non-adjacent ranges
     * @param populated the pages with an installed PTE, in the same form (a subset of mapped)
     * @param pfnOffset the physical page behind file page {@code p} is {@code p + pfnOffset}: from
     *     {@code Mmapped.pfn} ({@code pfn - pgoff}); without it 0 for the {@code iomem} mapping (every
     *     view of physical memory has {@code vm_pgoff} = PFN), else {@code null} (unknown: the VMA is
     *     left out of {@link #whoMaps})
     */
    public record VmaState(int pid, String mapping, List<PageRange> mapped, List<PageRange> populated, Long pfnOffset) {
        public VmaState {
            Objects.requireNonNull(mapping, "mapping");
            mapped = List.copyOf(mapped);
            populated = List.copyOf(populated);
        }

        /** With the offset a log without {@code Mmapped.pfn} gives ({@link #defaultPfnOffset}). */
        public VmaState(int pid, String mapping, List<PageRange> mapped, List<PageRange> populated) {
            this(pid, mapping, mapped, populated, defaultPfnOffset(mapping));
        }

        /** The {@code pfnOffset} of a VMA whose {@code Mmapped} has no {@code pfn}: 0 in the iomem mapping, else unknown. */
        public static Long defaultPfnOffset(String mapping) {
            return Kernel.IOMEM_OBJECT.equals(mapping) ? 0L : null;
        }
    }

    /**
     * One VMA that reaches a queried physical range at the state's seq: the replayed form of the live
     * rmap ({@code io.revokefs.core.kernel.Rmap.Hit}).
     *
     * @param object the object whose file it maps (the view)
     * @param life that object's life the VMA belongs to
     * @param firstPgoff the first file page that reaches the range, {@code firstPfn} the page behind it
     * @param pages how many of its pages reach the range
     * @param present how many of those are populated (a PTE is present)
     */
    public record PfnReach(String object, int life, String vma, int pid, String mapping, long firstPgoff,
                           long firstPfn, long pages, long present) {
    }

    /**
     * The VMAs that reach a page of {@code [firstPfn, firstPfn + pages)}, by pid then VMA id; a VMA of
     * unknown PFN ({@link VmaState#pfnOffset} null) is left out ({@link #unknownPfnVmas} counts them).
     */
    public List<PfnReach> whoMaps(long firstPfn, long pages) {
        if (firstPfn < 0 || pages <= 0) {
            throw new IllegalArgumentException("no page range at " + firstPfn + " (" + pages + " pages)");
        }
        long lastPfn = pages - 1 > Long.MAX_VALUE - firstPfn ? Long.MAX_VALUE : firstPfn + (pages - 1);
        List<PfnReach> out = new ArrayList<>();
        objects.forEach((id, o) -> o.lives().forEach(life -> life.vmas().forEach((vid, v) -> {
            if (v.pfnOffset() == null) {
                return;
            }
            long off = v.pfnOffset();
            long[] reach = overlap(v.mapped(), off, firstPfn, lastPfn);
            if (reach[0] > 0) {
                long[] present = overlap(v.populated(), off, firstPfn, lastPfn);
                out.add(new PfnReach(id, life.number(), vid, v.pid(), v.mapping(), reach[1], reach[1] + off, reach[0], present[0]));
            }
        })));
        out.sort(java.util.Comparator.comparingInt(PfnReach::pid).thenComparing(PfnReach::vma));
        return out;
    }

    /** How many VMAs of this state have no known PFN ({@link VmaState#pfnOffset} null). */
    public long unknownPfnVmas() {
        long[] n = {0};
        objects.values().forEach(o -> o.lives().forEach(l -> l.vmas().values().forEach(v -> n[0] += v.pfnOffset() == null ? 1 : 0)));
        return n[0];
    }

    /** {pages of {@code ranges} whose PFN (pgoff + off) is in [firstPfn, lastPfn], the first such pgoff}. */
    private static long[] overlap(List<PageRange> ranges, long off, long firstPfn, long lastPfn) {
        long count = 0;
        long first = -1;
        for (PageRange r : ranges) {
            // PFNs of the range: [r.first + off, r.first + r.count - 1 + off], never past 2^63 (the reader checks).
            long lo = r.first() + off;
            long hi = lo + (r.count() - 1);
            long a = Math.max(lo, firstPfn);
            long b = Math.min(hi, lastPfn);
            if (a <= b) {
                count += b - a + 1;
                if (first < 0) {
                    first = a - off;
                }
            }
        }
        return new long[] {count, first};
    }

    /** File pages {@code [first, first + count)}. */
    public record PageRange(long first, long count) {
        public PageRange {
            if (count <= 0) {
                throw new IllegalArgumentException("empty page range at " + first);
            }
        }
    }

    /**
     * This state without life 0 (events of an id before any registration, such as the {@code
     * iomem} pseudo-object under which {@code revoke_iomem} records its zaps), for comparison with
     * {@link LiveState}, which only knows registered objects.
     */
    public ReplayState registeredOnly() {
        SortedMap<String, ObjectState> kept = new TreeMap<>();
        objects.forEach((id, o) -> {
            List<Life> lives = o.lives().stream().filter(l -> l.number() > 0).toList();
            if (!lives.isEmpty()) {
                kept.put(id, new ObjectState(lives));
            }
        });
        return new ReplayState(lastSeq, kept);
    }

    /** The state of {@code object}, or {@code null} if no event named it. */
    public ObjectState object(String object) {
        return objects.get(object);
    }

    /** Replays every event of {@code events}, in order. */
    public static ReplayState of(Stream<RecordedEvent> events) {
        return upTo(events, Long.MAX_VALUE);
    }

    /** Replays every event of {@code events}, in order. */
    public static ReplayState of(Iterable<RecordedEvent> events) {
        Builder b = new Builder(null);
        events.forEach(b::apply);
        return b.build();
    }

    /** Replays the events of {@code events} whose seq is at most {@code seq}: the state just after it. */
    public static ReplayState upTo(Stream<RecordedEvent> events, long seq) {
        Builder b = new Builder(null);
        Iterator<RecordedEvent> it = events.iterator();
        while (it.hasNext()) {
            RecordedEvent e = it.next();
            if (e.seq() > seq) {
                break;
            }
            b.apply(e);
        }
        return b.build();
    }

    /**
     * Replays in memory bounded by the live part of the log: each life is handed to {@code ended}
     * (object id, life) and forgotten as soon as it is over, that is when its revoke has completed
     * or a later life of its id has begun, and none of its files is open and none of its VMAs
     * mapped; nothing can change it after that but an event the auditor reports. Feed events with
     * {@link Streaming#accept}; {@link Streaming#finish} returns the lives not over, as a state.
     */
    public static Streaming stream(BiConsumer<String, Life> ended) {
        return new Streaming(new Builder(Objects.requireNonNull(ended, "ended")));
    }

    /** See {@link #stream}. Not thread-safe. */
    public static final class Streaming {
        private final Builder builder;

        private Streaming(Builder builder) {
            this.builder = builder;
        }

        /** Applies the next event. */
        public void accept(RecordedEvent event) {
            builder.apply(event);
        }

        /** The lives not handed out, per object, after the last event. */
        public ReplayState finish() {
            return builder.build();
        }
    }

    /** The mutable side of replay: one method per event type. */
    static final class Builder implements RevokeEvent.Visitor<Void> {
        private static final class LifeB {
            final int number;
            final String adapter;
            boolean revoked;
            boolean completed;
            final Set<String> openFiles = new LinkedHashSet<>();
            final Map<String, ReleaseCause> releases = new HashMap<>();
            final Set<String> vmas = new LinkedHashSet<>();

            LifeB(int number, String adapter) {
                this.number = number;
                this.adapter = adapter;
            }
        }

        private static final class Obj {
            final List<LifeB> lives = new ArrayList<>(1);

            LifeB current() {
                return lives.get(lives.size() - 1);
            }
        }

        private static final class Vma {
            final LifeB life;
            final String object;
            final int pid;
            final String mapping;
            final RangeSet mapped;
            final RangeSet populated;
            final Long pfnOffset;

            Vma(String object, LifeB life, int pid, String mapping, RangeSet mapped, RangeSet populated, Long pfnOffset) {
                this.object = object;
                this.life = life;
                this.pid = pid;
                this.mapping = mapping;
                this.mapped = mapped;
                this.populated = populated;
                this.pfnOffset = pfnOffset;
            }
        }

        /** Null when every life is kept; else where ended lives go. */
        private final BiConsumer<String, Life> ended;
        private final Map<String, Obj> objects = new HashMap<>();
        private final Map<String, LifeB> fileLife = new HashMap<>();
        private final Map<String, Vma> vmas = new HashMap<>();
        private final Map<String, Set<String>> vmasByMapping = new HashMap<>();
        /** Streaming: how many lives each forgotten object had. */
        private final IdHashes forgottenLives = new IdHashes();
        private long lastSeq;
        // The event being applied.
        private String object;
        private Obj o;

        Builder(BiConsumer<String, Life> ended) {
            this.ended = ended;
        }

        void apply(RecordedEvent recorded) {
            lastSeq = recorded.seq();
            RevokeEvent event = recorded.event();
            object = event.object();
            o = objects.get(object);
            if (o == null) {
                o = new Obj();
                // Life 0 holds events before any registration; a forgotten id continues its count.
                o.lives.add(new LifeB(ended == null ? 0 : forgottenLives.get(object, 0), null));
                objects.put(object, o);
            }
            event.accept(this);
            if (ended != null) {
                handOutEnded(object, o);
            }
        }

        @Override
        public Void visit(ObjectRegistered r) {
            LifeB previous = o.current();
            // A life without adapter holds the events of an id before its registration (life 0), or
            // after its last life was handed out and forgotten; if nothing happened in it, drop it.
            if (previous.adapter == null && previous.openFiles.isEmpty() && previous.vmas.isEmpty()
                    && previous.releases.isEmpty() && !previous.revoked) {
                o.lives.remove(o.lives.size() - 1);
            }
            o.lives.add(new LifeB(previous.number + 1, r.adapter()));
            return null;
        }

        @Override
        public Void visit(FileOpened f) {
            LifeB life = o.current();
            life.openFiles.add(f.file());
            fileLife.put(f.file(), life);
            return null;
        }

        @Override
        public Void visit(OpenRefused e) {
            return null;
        }

        @Override
        public Void visit(Mmapped m) {
            RangeSet mapped = new RangeSet();
            mapped.add(m.pgoff(), m.pages());
            RangeSet populated = new RangeSet();
            populated.add(m.pgoff(), Math.min(m.populated(), m.pages()));
            Long offset = m.pfn() != null ? Long.valueOf(m.pfn() - m.pgoff()) : VmaState.defaultPfnOffset(m.mapping());
            addVma(m.vma(), new Vma(object, o.current(), m.pid(), m.mapping(), mapped, populated, offset));
            return null;
        }

        @Override
        public Void visit(MmapRefused e) {
            return null;
        }

        @Override
        public Void visit(VmaDuplicated d) {
            Vma parent = vmas.get(d.from());
            if (parent != null) {
                addVma(d.vma(), new Vma(parent.object, parent.life, d.pid(), parent.mapping, new RangeSet(parent.mapped),
                        d.ptes() > 0 ? new RangeSet(parent.populated) : new RangeSet(), parent.pfnOffset));
            }
            return null;
        }

        @Override
        public Void visit(VmaUnmapped u) {
            Vma v = vmas.get(u.vma());
            if (v == null) {
                return null;
            }
            v.mapped.remove(u.pgoff(), u.pages());
            v.populated.remove(u.pgoff(), u.pages());
            if (v.mapped.isEmpty()) {
                vmas.remove(u.vma());
                v.life.vmas.remove(u.vma());
                Set<String> linked = vmasByMapping.get(v.mapping);
                linked.remove(u.vma());
                if (linked.isEmpty()) {
                    vmasByMapping.remove(v.mapping);
                }
            }
            return null;
        }

        @Override
        public Void visit(VmaClosed c) {
            // The driver's close changes nothing replay rebuilds: the pages stay mapped until the
            // VmaUnmapped that follows an UNMAP close; a REVOKE close follows the zap.
            return null;
        }

        @Override
        public Void visit(Faulted f) {
            Vma v = vmas.get(f.vma());
            if (v != null) {
                v.populated.add(f.pgoff(), 1);
            }
            return null;
        }

        @Override
        public Void visit(AccessRefused e) {
            return null;
        }

        @Override
        public Void visit(RevokeStarted e) {
            o.current().revoked = true;
            return null;
        }

        @Override
        public Void visit(RevokeDrained e) {
            return null;
        }

        @Override
        public Void visit(MappingsZapped z) {
            for (String id : vmasByMapping.getOrDefault(z.mapping(), Set.of())) {
                vmas.get(id).populated.remove(z.first(), z.count());
            }
            return null;
        }

        @Override
        public Void visit(FileReleased f) {
            LifeB life = fileLife.get(f.file());
            (life != null ? life : o.current()).releases.put(f.file(), f.cause());
            return null;
        }

        @Override
        public Void visit(RevokeCompleted e) {
            o.current().completed = true;
            return null;
        }

        @Override
        public Void visit(FileClosed f) {
            LifeB life = fileLife.remove(f.file());
            if (life != null) {
                life.openFiles.remove(f.file());
            }
            return null;
        }

        @Override
        public Void visit(MemoryToggled m) {
            // Memory on or off is not part of the replayed state; the zap before an off is its own
            // MappingsZapped, applied above.
            return null;
        }

        private void addVma(String id, Vma v) {
            vmas.put(id, v);
            v.life.vmas.add(id);
            vmasByMapping.computeIfAbsent(v.mapping, k -> new LinkedHashSet<>()).add(id);
        }

        /** Streaming: hands out and forgets the lives of {@code id} that are over. */
        private void handOutEnded(String id, Obj ob) {
            LifeB current = ob.current();
            Iterator<LifeB> it = ob.lives.iterator();
            while (it.hasNext()) {
                LifeB life = it.next();
                if ((life != current || life.completed) && life.openFiles.isEmpty() && life.vmas.isEmpty()) {
                    ended.accept(id, snapshot(life));
                    it.remove();
                }
            }
            if (ob.lives.isEmpty()) {
                objects.remove(id);
                forgottenLives.put(id, current.number);
            }
        }

        private Life snapshot(LifeB l) {
            SortedMap<String, VmaState> vs = new TreeMap<>();
            for (String vid : l.vmas) {
                Vma v = vmas.get(vid);
                vs.put(vid, new VmaState(v.pid, v.mapping, v.mapped.toList(), v.populated.toList(), v.pfnOffset));
            }
            return new Life(l.number, l.adapter, l.revoked, new TreeSet<>(l.openFiles), new TreeMap<>(l.releases), vs);
        }

        ReplayState build() {
            SortedMap<String, ObjectState> out = new TreeMap<>();
            objects.forEach((id, ob) -> {
                List<Life> lives = new ArrayList<>(ob.lives.size());
                for (LifeB l : ob.lives) {
                    lives.add(snapshot(l));
                }
                out.put(id, new ObjectState(lives));
            });
            return new ReplayState(lastSeq, out);
        }
    }
}
