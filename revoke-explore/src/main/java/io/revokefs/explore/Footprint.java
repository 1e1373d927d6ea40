package io.revokefs.explore;

import io.revokefs.kernel.internal.Interleave;

import java.util.HashMap;
import java.util.Map;

/**
 * What one step did to shared state: the code a simulated thread ran between two of its decisions,
 * recorded from the library's {@link Interleave#touch} declarations (locks, guards, wait queues, the
 * event log, the unlocked state of docs/explore.md's list). Two steps are dependent when they touch a
 * common key and not both only read it or both only add to it, or when either did something
 * undeclared ({@link Interleave.Access#UNKNOWN}). Keys are compared with {@code equals}: they are
 * names, the same in every schedule.
 */
final class Footprint {
    private final Map<Object, Interleave.Access> keys;
    private boolean unknown;
    /** The thread runs undeclared code from now on: its later steps are unknown too. */
    private boolean sticky;

    Footprint() {
        this(false);
    }

    private Footprint(boolean unknown) {
        this.unknown = unknown;
        this.sticky = unknown;
        this.keys = new HashMap<>();
    }

    /** The footprint of the same thread's next step: empty, or unknown after {@link Interleave#undeclaredFromNowOn()}. */
    Footprint next() {
        return sticky ? new Footprint(true) : new Footprint();
    }

    /**
     * Keys left out of every footprint: a planted bug for the test that shows a missing declaration
     * loses behaviours (ReductionExploreTest). Empty otherwise; set only between explorations.
     */
    static volatile java.util.Set<Object> blind = java.util.Set.of();

    void add(Object key, Interleave.Access access) {
        if (key != null && blind.contains(key)) {
            return;
        }
        if (access == Interleave.Access.UNKNOWN_FROM_NOW_ON) {
            sticky = true;
        }
        if (unknown) {
            return;
        }
        if (access == Interleave.Access.UNKNOWN || access == Interleave.Access.UNKNOWN_FROM_NOW_ON || key == null) {
            unknown = true;
            keys.clear();
            return;
        }
        keys.merge(key, access, Footprint::join);
    }

    /** Both uses by one step: the same kind, or a write (a read and an add together are not an add). */
    private static Interleave.Access join(Interleave.Access a, Interleave.Access b) {
        return a == b ? a : Interleave.Access.WRITE;
    }

    /** Whether {@code other} touched the same keys the same ways (a replayed step must: the world is deterministic). */
    boolean sameAs(Footprint other) {
        return unknown == other.unknown && sticky == other.sticky && keys.equals(other.keys);
    }

    boolean isUnknown() {
        return unknown;
    }

    /** Whether this step and {@code other} may not commute. */
    boolean dependent(Footprint other) {
        if (unknown || other.unknown) {
            return true;
        }
        Map<Object, Interleave.Access> small = keys.size() <= other.keys.size() ? keys : other.keys;
        Map<Object, Interleave.Access> large = small == keys ? other.keys : keys;
        for (Map.Entry<Object, Interleave.Access> e : small.entrySet()) {
            Interleave.Access o = large.get(e.getKey());
            if (o != null && !(o == e.getValue() && o != Interleave.Access.WRITE)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return unknown ? "unknown" : keys.toString();
    }
}
