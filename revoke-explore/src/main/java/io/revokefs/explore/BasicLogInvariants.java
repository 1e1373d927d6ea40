package io.revokefs.explore;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small checker of the SEMANTICS.md section 7 invariants that a single schedule can break, until
 * the history module's auditor is plugged in beside it:
 * <ul>
 *   <li>{@code SEQ_CONTIGUOUS}: seq runs 1, 2, 3, ...</li>
 *   <li>{@code NO_ENTRY_AFTER_REVOKE}: no {@code Faulted}, {@code Mmapped} or {@code FileOpened} of an
 *       object after its {@code RevokeStarted};</li>
 *   <li>{@code RELEASE_ONCE}: at most one {@code FileReleased} per file; every file opened before
 *       {@code RevokeCompleted} has one before it;</li>
 *   <li>{@code REVOKE_ORDER}: {@code RevokeStarted} &lt; {@code RevokeDrained} &lt; a
 *       {@code MappingsZapped} &lt; {@code RevokeCompleted}, each of the three revoke events at most
 *       once per object ({@code MappingsZapped} may also appear outside a revoke: a vfio-style
 *       disable).</li>
 * </ul>
 */
public final class BasicLogInvariants implements LogCheck {

    private static final class Life {
        long started = -1;
        long drained = -1;
        long completed = -1;
        int startedCount;
        int drainedCount;
        int completedCount;
        final List<Long> zaps = new ArrayList<>();
        final Map<String, Long> opened = new LinkedHashMap<>();
        final Map<String, List<Long>> released = new HashMap<>();
    }

    @Override
    public List<String> check(List<RecordedEvent> events) {
        List<String> out = new ArrayList<>();
        Map<String, Life> lives = new LinkedHashMap<>();
        long expected = 1;
        for (RecordedEvent e : events) {
            if (e.seq() != expected) {
                out.add("SEQ_CONTIGUOUS: seq " + e.seq() + " where " + expected + " was expected");
                expected = e.seq();
            }
            expected++;
            Life l = lives.computeIfAbsent(e.object(), k -> new Life());
            RevokeEvent ev = e.event();
            if (l.started >= 0 && (ev instanceof RevokeEvent.Faulted || ev instanceof RevokeEvent.Mmapped
                    || ev instanceof RevokeEvent.FileOpened)) {
                out.add("NO_ENTRY_AFTER_REVOKE: " + ev.type() + " of " + e.object() + " at seq " + e.seq()
                        + " after RevokeStarted at seq " + l.started);
            }
            if (ev instanceof RevokeEvent.RevokeStarted) {
                l.started = e.seq();
                l.startedCount++;
            } else if (ev instanceof RevokeEvent.RevokeDrained) {
                l.drained = e.seq();
                l.drainedCount++;
            } else if (ev instanceof RevokeEvent.RevokeCompleted) {
                l.completed = e.seq();
                l.completedCount++;
            } else if (ev instanceof RevokeEvent.MappingsZapped) {
                l.zaps.add(e.seq());
            } else if (ev instanceof RevokeEvent.FileOpened f) {
                l.opened.put(f.file(), e.seq());
            } else if (ev instanceof RevokeEvent.FileReleased r) {
                l.released.computeIfAbsent(r.file(), k -> new ArrayList<>()).add(e.seq());
            }
        }
        for (Map.Entry<String, Life> entry : lives.entrySet()) {
            String object = entry.getKey();
            Life l = entry.getValue();
            if (l.startedCount > 1 || l.drainedCount > 1 || l.completedCount > 1) {
                out.add("REVOKE_ORDER: " + object + " has " + l.startedCount + " RevokeStarted, " + l.drainedCount
                        + " RevokeDrained, " + l.completedCount + " RevokeCompleted (at most one each)");
            }
            if (l.completed >= 0) {
                boolean zapped = l.zaps.stream().anyMatch(z -> z > l.drained && z < l.completed);
                if (!(l.started >= 0 && l.started < l.drained && l.drained < l.completed && zapped)) {
                    out.add("REVOKE_ORDER: " + object + ": RevokeStarted " + l.started + ", RevokeDrained " + l.drained
                            + ", MappingsZapped " + l.zaps + ", RevokeCompleted " + l.completed + " are not in order");
                }
            } else if (l.drained >= 0 && l.started < 0) {
                out.add("REVOKE_ORDER: " + object + ": RevokeDrained without RevokeStarted");
            }
            for (Map.Entry<String, List<Long>> r : l.released.entrySet()) {
                if (r.getValue().size() > 1) {
                    out.add("RELEASE_ONCE: " + r.getKey() + " of " + object + " released at seq " + r.getValue());
                }
            }
            if (l.completed >= 0) {
                for (Map.Entry<String, Long> o : l.opened.entrySet()) {
                    List<Long> r = l.released.getOrDefault(o.getKey(), List.of());
                    if (o.getValue() < l.completed && r.stream().noneMatch(s -> s < l.completed)) {
                        out.add("RELEASE_ONCE: " + o.getKey() + " of " + object + ", opened at seq " + o.getValue()
                                + ", has no FileReleased before RevokeCompleted at seq " + l.completed);
                    }
                }
            }
        }
        return out;
    }
}
