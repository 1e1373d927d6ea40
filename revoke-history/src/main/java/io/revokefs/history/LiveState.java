package io.revokefs.history;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The live simulation's state in the shape of {@link ReplayState}, read from the kernel itself (page
 * tables, VMAs, the objects' open files and releases), not from the log: comparing the two checks
 * that the log is a faithful record of what happened.
 */
public final class LiveState {
    private LiveState() {
    }

    /**
     * The state of every object registered with {@code kernel} (all lives of an id merged, as replay
     * merges them). Call it when no operation is in flight.
     *
     * @param lastSeq the seq of the last event recorded, to put in the result
     */
    public static ReplayState of(Kernel kernel, long lastSeq) {
        Map<String, List<RevocableObject>> lives = new HashMap<>();
        for (RevocableObject o : kernel.objects()) {
            lives.computeIfAbsent(o.id(), k -> new ArrayList<>()).add(o);
        }
        Map<String, SortedMap<String, ReplayState.VmaState>> vmasByObject = vmas(kernel);
        SortedMap<String, ReplayState.ObjectState> out = new TreeMap<>();
        lives.forEach((id, objs) -> {
            RevocableObject current = objs.get(objs.size() - 1);
            TreeSet<String> open = new TreeSet<>();
            TreeMap<String, ReleaseCause> releases = new TreeMap<>();
            for (RevocableObject o : objs) {
                for (OpenFile f : o.openFiles()) {
                    open.add(f.id());
                }
                releases.putAll(o.releases());
            }
            out.put(id, new ReplayState.ObjectState(current.adapter(), objs.size(), current.isRevoked(), open, releases,
                    vmasByObject.getOrDefault(id, new TreeMap<>())));
        });
        return new ReplayState(lastSeq, out);
    }

    private static Map<String, SortedMap<String, ReplayState.VmaState>> vmas(Kernel kernel) {
        // Pieces of one VMA id (after a partial munmap) merge into one entry.
        Map<String, String> objectOf = new HashMap<>();
        Map<String, RangeSet> mapped = new HashMap<>();
        Map<String, RangeSet> populated = new HashMap<>();
        Map<String, Integer> pid = new HashMap<>();
        Map<String, String> mapping = new HashMap<>();
        for (Process p : kernel.processes()) {
            for (Vma v : p.mm().vmas()) {
                RevocableObject o = v.file() == null ? null : RevocableObject.of(v.file());
                if (o == null) {
                    continue;
                }
                objectOf.put(v.id(), o.id());
                pid.put(v.id(), p.pid());
                mapping.put(v.id(), v.file().mapping().id());
                mapped.computeIfAbsent(v.id(), k -> new RangeSet()).add(v.pgoff(), v.pages());
                RangeSet pop = populated.computeIfAbsent(v.id(), k -> new RangeSet());
                for (long i = 0; i < v.pages(); i++) {
                    if (p.mm().isPopulated(v, i)) {
                        pop.add(v.pgoff() + i, 1);
                    }
                }
            }
        }
        Map<String, SortedMap<String, ReplayState.VmaState>> out = new HashMap<>();
        objectOf.forEach((vma, object) -> out.computeIfAbsent(object, k -> new TreeMap<>())
                .put(vma, new ReplayState.VmaState(pid.get(vma), mapping.get(vma), mapped.get(vma).toList(),
                        populated.get(vma).toList())));
        return out;
    }
}
