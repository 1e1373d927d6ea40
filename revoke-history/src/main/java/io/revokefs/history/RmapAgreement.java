package io.revokefs.history;

import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.Rmap;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Whether the rmap replayed from a log ({@link ReplayState#whoMaps}) says what the live one
 * ({@link Rmap#whoMaps}) says: the same VMAs, each with the same process, mapping, object, first page
 * and PFN, pages reaching the range and PTEs present. A difference means the log does not carry what
 * "who maps this page" needs (a missing {@code Mmapped.pfn}, a zap or fault not recorded), or that
 * one side computes it wrong.
 */
public final class RmapAgreement {
    /** The physical pages a script can name: {@code [0, 2^52)}. */
    static final long ALL_PAGES = 1L << 52;

    private RmapAgreement() {
    }

    /**
     * The differences for the whole physical range, then for each page where either side finds a VMA
     * starting to reach it; empty when they agree. Call it when no operation is in flight.
     */
    public static List<String> differences(Kernel kernel, ReplayState replayed) {
        List<String> out = new ArrayList<>();
        TreeSet<Long> pages = new TreeSet<>();
        compare(kernel, replayed, 0, ALL_PAGES, out, pages);
        for (long pfn : pages) {
            compare(kernel, replayed, pfn, 1, out, null);
        }
        return out;
    }

    private static void compare(Kernel kernel, ReplayState replayed, long pfn, long count, List<String> out, TreeSet<Long> firsts) {
        List<String> live = new ArrayList<>();
        for (Rmap.Hit h : Rmap.whoMaps(kernel, pfn, count)) {
            live.add(line(h.pid(), h.vma(), h.mapping(), h.object(), h.firstPgoff(), h.firstPfn(), h.pages(), h.present()));
            if (firsts != null) {
                firsts.add(h.firstPfn());
            }
        }
        List<String> log = new ArrayList<>();
        for (ReplayState.PfnReach r : replayed.whoMaps(pfn, count)) {
            log.add(line(r.pid(), r.vma(), r.mapping(), r.object(), r.firstPgoff(), r.firstPfn(), r.pages(), r.present()));
            if (firsts != null) {
                firsts.add(r.firstPfn());
            }
        }
        if (!live.equals(log)) {
            out.add(String.format("whomaps 0x%x pages=%d after seq %d: live %s, replayed %s", pfn, count, replayed.lastSeq(), live, log));
        }
    }

    private static String line(int pid, String vma, String mapping, String object, long pgoff, long pfn, long pages, long present) {
        return String.format("pid %d %s (%s, %s) pgoff 0x%x pfn 0x%x: %d/%d present", pid, vma, object, mapping, pgoff, pfn, present, pages);
    }
}
