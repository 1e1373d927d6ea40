package io.revokefs.history;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
     * The state of every object registered with {@code kernel}, one life per registration of an id
     * (each {@link RevocableObject} is one life), with each life's own open files, releases and
     * VMAs. Call it when no operation is in flight.
     *
     * @param lastSeq the seq of the last event recorded, to put in the result
     */
    public static ReplayState of(Kernel kernel, long lastSeq) {
        Map<String, List<RevocableObject>> lives = new HashMap<>();
        for (RevocableObject o : kernel.objects()) {
            lives.computeIfAbsent(o.id(), k -> new ArrayList<>()).add(o);
        }
        Map<RevocableObject, SortedMap<String, ReplayState.VmaState>> vmasByLife = vmas(kernel);
        SortedMap<String, ReplayState.ObjectState> out = new TreeMap<>();
        lives.forEach((id, objs) -> {
            List<ReplayState.Life> states = new ArrayList<>();
            for (int i = 0; i < objs.size(); i++) {
                RevocableObject o = objs.get(i);
                TreeSet<String> open = new TreeSet<>();
                for (OpenFile f : o.openFiles()) {
                    open.add(f.id());
                }
                states.add(new ReplayState.Life(i + 1, o.adapter(), o.isRevoked(), open, new TreeMap<>(o.releases()),
                        vmasByLife.getOrDefault(o, new TreeMap<>())));
            }
            out.put(id, new ReplayState.ObjectState(states));
        });
        return new ReplayState(lastSeq, out);
    }

    private static Map<RevocableObject, SortedMap<String, ReplayState.VmaState>> vmas(Kernel kernel) {
        // Pieces of one VMA id (after a partial munmap) merge into one entry.
        Map<String, RevocableObject> lifeOf = new HashMap<>();
        Map<String, RangeSet> mapped = new HashMap<>();
        Map<String, RangeSet> populated = new HashMap<>();
        Map<String, Integer> pid = new HashMap<>();
        Map<String, String> mapping = new HashMap<>();
        Map<String, Long> pfnOffset = new HashMap<>();
        for (Process p : kernel.processes()) {
            for (Vma v : p.mm().vmas()) {
                RevocableObject o = v.file() == null ? null : RevocableObject.of(v.file());
                if (o == null) {
                    continue;
                }
                lifeOf.put(v.id(), o);
                pid.put(v.id(), p.pid());
                mapping.put(v.id(), v.file().mapping().id());
                io.revokefs.core.kernel.PfnMapping pfns = v.file().mapping().pfnMapping();
                long pfn = pfns == null ? io.revokefs.core.kernel.PfnMapping.NO_PFN : pfns.pfnOf(v, v.pgoff());
                pfnOffset.put(v.id(), pfn == io.revokefs.core.kernel.PfnMapping.NO_PFN
                        ? ReplayState.VmaState.defaultPfnOffset(v.file().mapping().id()) : Long.valueOf(pfn - v.pgoff()));
                mapped.computeIfAbsent(v.id(), k -> new RangeSet()).add(v.pgoff(), v.pages());
                RangeSet pop = populated.computeIfAbsent(v.id(), k -> new RangeSet());
                for (long i = 0; i < v.pages(); i++) {
                    if (p.mm().isPopulated(v, i)) {
                        pop.add(v.pgoff() + i, 1);
                    }
                }
            }
        }
        Map<RevocableObject, SortedMap<String, ReplayState.VmaState>> out = new IdentityHashMap<>();
        lifeOf.forEach((vma, life) -> out.computeIfAbsent(life, k -> new TreeMap<>())
                .put(vma, new ReplayState.VmaState(pid.get(vma), mapping.get(vma), mapped.get(vma).toList(),
                        populated.get(vma).toList(), pfnOffset.get(vma))));
        return out;
    }
}
