package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

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
import java.util.stream.Stream;

/**
 * The state of every revocable object rebuilt from an event log: what the live simulation should
 * hold at the same point (docs/semantics.md section 7, "replaying them rebuilds every revocable object's
 * state"). An immutable value: two states are {@link #equals equal} when every object's state is,
 * so a test can compare a replay with the live simulation's state built in the same shape.
 *
 * <p>How each event changes the state:
 * <ul>
 *   <li>{@code ObjectRegistered}: sets the adapter, starts a new life ({@code lives + 1}), not revoked;</li>
 *   <li>{@code FileOpened} adds an open file; {@code FileClosed} removes it;</li>
 *   <li>{@code FileReleased} records {@code file -> cause} in the object's releases (kept after close);</li>
 *   <li>{@code RevokeStarted} marks the object revoked (its guard is deactivated from then on);</li>
 *   <li>{@code Mmapped} adds a VMA mapping pages {@code [pgoff, pgoff+pages)} of {@code mapping}, the
 *       first {@code populated} of them populated (eager population);</li>
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
 * @param lastSeq the seq of the last event applied (0 if none)
 * @param objects per object id, sorted by id
 */
public record ReplayState(long lastSeq, SortedMap<String, ObjectState> objects) {

    public ReplayState {
        objects = Collections.unmodifiableSortedMap(new TreeMap<>(objects));
    }

    /**
     * One revocable object.
     *
     * @param adapter the adapter of its last registration ({@code null} if never registered)
     * @param lives how many times it was registered
     * @param revoked whether its current life has begun revoking
     * @param openFiles files opened and not yet closed
     * @param releases every release done, file id to cause
     * @param vmas the VMAs still mapping some page, by VMA id
     */
    public record ObjectState(String adapter, int lives, boolean revoked, SortedSet<String> openFiles,
                              SortedMap<String, ReleaseCause> releases, SortedMap<String, VmaState> vmas) {
        public ObjectState {
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
     */
    public record VmaState(int pid, String mapping, List<PageRange> mapped, List<PageRange> populated) {
        public VmaState {
            Objects.requireNonNull(mapping, "mapping");
            mapped = List.copyOf(mapped);
            populated = List.copyOf(populated);
        }
    }

    /** File pages {@code [first, first + count)}. */
    public record PageRange(long first, long count) {
        public PageRange {
            if (count <= 0) {
                throw new IllegalArgumentException("empty page range at " + first);
            }
        }
    }

    /** The state of {@code object}, or {@code null} if no event named it. */
    /**
     * This state without the entries of ids that were never registered (such as the {@code iomem}
     * pseudo-object under which {@code revoke_iomem} records its zaps), for comparison with
     * {@link LiveState}, which only knows registered objects.
     */
    public ReplayState registeredOnly() {
        SortedMap<String, ObjectState> kept = new TreeMap<>();
        objects.forEach((id, o) -> {
            if (o.adapter() != null) {
                kept.put(id, o);
            }
        });
        return new ReplayState(lastSeq, kept);
    }

    public ObjectState object(String object) {
        return objects.get(object);
    }

    /** Replays every event of {@code events}, in order. */
    public static ReplayState of(Stream<RecordedEvent> events) {
        return upTo(events, Long.MAX_VALUE);
    }

    /** Replays every event of {@code events}, in order. */
    public static ReplayState of(Iterable<RecordedEvent> events) {
        Builder b = new Builder();
        events.forEach(b::apply);
        return b.build();
    }

    /** Replays the events of {@code events} whose seq is at most {@code seq}: the state just after it. */
    public static ReplayState upTo(Stream<RecordedEvent> events, long seq) {
        Builder b = new Builder();
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

    /** The mutable side of replay. */
    static final class Builder {
        private static final class Obj {
            String adapter;
            int lives;
            boolean revoked;
            final Set<String> openFiles = new LinkedHashSet<>();
            final Map<String, ReleaseCause> releases = new HashMap<>();
            final Set<String> vmas = new LinkedHashSet<>();
        }

        private static final class Vma {
            final String object;
            final int pid;
            final String mapping;
            final RangeSet mapped;
            final RangeSet populated;

            Vma(String object, int pid, String mapping, RangeSet mapped, RangeSet populated) {
                this.object = object;
                this.pid = pid;
                this.mapping = mapping;
                this.mapped = mapped;
                this.populated = populated;
            }
        }

        private final Map<String, Obj> objects = new HashMap<>();
        private final Map<String, Vma> vmas = new HashMap<>();
        private final Map<String, Set<String>> vmasByMapping = new HashMap<>();
        private long lastSeq;

        void apply(RecordedEvent recorded) {
            lastSeq = recorded.seq();
            RevokeEvent event = recorded.event();
            Obj o = objects.computeIfAbsent(event.object(), k -> new Obj());
            if (event instanceof ObjectRegistered r) {
                o.adapter = r.adapter();
                o.lives++;
                o.revoked = false;
            } else if (event instanceof FileOpened f) {
                o.openFiles.add(f.file());
            } else if (event instanceof FileClosed f) {
                o.openFiles.remove(f.file());
            } else if (event instanceof FileReleased f) {
                o.releases.put(f.file(), f.cause());
            } else if (event instanceof RevokeStarted) {
                o.revoked = true;
            } else if (event instanceof Mmapped m) {
                RangeSet mapped = new RangeSet();
                mapped.add(m.pgoff(), m.pages());
                RangeSet populated = new RangeSet();
                populated.add(m.pgoff(), Math.min(m.populated(), m.pages()));
                addVma(m.vma(), new Vma(m.object(), m.pid(), m.mapping(), mapped, populated), o);
            } else if (event instanceof VmaDuplicated d) {
                Vma parent = vmas.get(d.from());
                if (parent != null) {
                    addVma(d.vma(), new Vma(d.object(), d.pid(), parent.mapping, new RangeSet(parent.mapped),
                            d.ptes() > 0 ? new RangeSet(parent.populated) : new RangeSet()), o);
                }
            } else if (event instanceof Faulted f) {
                Vma v = vmas.get(f.vma());
                if (v != null) {
                    v.populated.add(f.pgoff(), 1);
                }
            } else if (event instanceof MappingsZapped z) {
                for (String id : vmasByMapping.getOrDefault(z.mapping(), Set.of())) {
                    vmas.get(id).populated.remove(z.first(), z.count());
                }
            } else if (event instanceof VmaUnmapped u) {
                unmap(u);
            }
            // OpenRefused, MmapRefused, AccessRefused, RevokeDrained, RevokeCompleted change nothing.
        }

        private void unmap(VmaUnmapped u) {
            Vma v = vmas.get(u.vma());
            if (v == null) {
                return;
            }
            v.mapped.remove(u.pgoff(), u.pages());
            v.populated.remove(u.pgoff(), u.pages());
            if (v.mapped.isEmpty()) {
                vmas.remove(u.vma());
                objects.get(v.object).vmas.remove(u.vma());
                Set<String> linked = vmasByMapping.get(v.mapping);
                linked.remove(u.vma());
                if (linked.isEmpty()) {
                    vmasByMapping.remove(v.mapping);
                }
            }
        }

        private void addVma(String id, Vma v, Obj o) {
            vmas.put(id, v);
            o.vmas.add(id);
            vmasByMapping.computeIfAbsent(v.mapping, k -> new LinkedHashSet<>()).add(id);
        }

        ReplayState build() {
            SortedMap<String, ObjectState> out = new TreeMap<>();
            objects.forEach((id, o) -> {
                SortedMap<String, VmaState> vs = new TreeMap<>();
                for (String vid : o.vmas) {
                    Vma v = vmas.get(vid);
                    vs.put(vid, new VmaState(v.pid, v.mapping, v.mapped.toList(), v.populated.toList()));
                }
                out.put(id, new ObjectState(o.adapter, o.lives, o.revoked, new TreeSet<>(o.openFiles),
                        new TreeMap<>(o.releases), vs));
            });
            return new ReplayState(lastSeq, out);
        }
    }
}
