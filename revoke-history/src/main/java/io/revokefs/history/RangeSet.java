package io.revokefs.history;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A mutable set of pages kept as disjoint, non-adjacent half-open ranges {@code [start, end)}: a
 * VMA of a million pages costs one entry. Not thread-safe. Public for the report, which replays page
 * state event by event.
 */
public final class RangeSet {
    private final TreeMap<Long, Long> ranges = new TreeMap<>(); // start -> end

    public RangeSet() {
    }

    public RangeSet(RangeSet other) {
        ranges.putAll(other.ranges);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    int rangeCount() {
        return ranges.size();
    }

    public void add(long first, long count) {
        if (count <= 0) {
            return;
        }
        long start = first;
        long end = first + count;
        Map.Entry<Long, Long> below = ranges.floorEntry(start);
        if (below != null && below.getValue() >= start) {
            start = below.getKey();
            end = Math.max(end, below.getValue());
        }
        Iterator<Map.Entry<Long, Long>> it = ranges.tailMap(start, true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Long> e = it.next();
            if (e.getKey() > end) {
                break;
            }
            end = Math.max(end, e.getValue());
            it.remove();
        }
        ranges.put(start, end);
    }

    void addAll(RangeSet other) {
        other.ranges.forEach((s, e) -> add(s, e - s));
    }

    public void remove(long first, long count) {
        if (count <= 0) {
            return;
        }
        long start = first;
        long end = first + count;
        Map.Entry<Long, Long> below = ranges.lowerEntry(start);
        if (below != null && below.getValue() > start) {
            ranges.put(below.getKey(), start);
            if (below.getValue() > end) {
                ranges.put(end, below.getValue());
                return;
            }
        }
        Iterator<Map.Entry<Long, Long>> it = ranges.tailMap(start, true).entrySet().iterator();
        Long tailStart = null;
        Long tailEnd = null;
        while (it.hasNext()) {
            Map.Entry<Long, Long> e = it.next();
            if (e.getKey() >= end) {
                break;
            }
            // Read before the removal: TreeMap's deleteEntry moves the successor's key and value into
            // a removed node that has two children, so e would then show the next range.
            long eEnd = e.getValue();
            it.remove();
            if (eEnd > end) {
                tailStart = end;
                tailEnd = eEnd;
            }
        }
        if (tailStart != null) {
            ranges.put(tailStart, tailEnd);
        }
    }

    void removeAll(RangeSet other) {
        other.ranges.forEach((s, e) -> remove(s, e - s));
    }

    public List<ReplayState.PageRange> toList() {
        List<ReplayState.PageRange> out = new ArrayList<>(ranges.size());
        ranges.forEach((s, e) -> out.add(new ReplayState.PageRange(s, e - s)));
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        ranges.forEach((s, e) -> b.append(b.length() == 0 ? "" : ", ").append("[0x").append(Long.toHexString(s))
                .append(", 0x").append(Long.toHexString(e)).append(')'));
        return b.toString();
    }
}
