package io.revokefs.core.kernel;

import io.revokefs.core.RevocableObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A reverse map for device memory: for a physical page range, every VMA that can reach it, through
 * which view, and whether a PTE to it is present now.
 *
 * <p>The answer comes from the {@code address_space}s, never from the processes: every view of
 * physical memory ({@code /dev/mem}, sysfs {@code resourceN}, {@code /proc/bus/pci}) links its VMAs
 * into the one iomem mapping with {@code vm_pgoff} = PFN, so its interval tree ({@code i_mmap},
 * {@link VmaIntervalTree}) is keyed by physical page and a stabbing query finds them in
 * O(log n + matches). A driver that maps through its own mapping (vfio-pci's device file, uio, a
 * character device) registers the {@link PfnMapping} its VMAs populate with
 * ({@link AddressSpace#setPfnMapping}); the rmap asks it for the file pages that can hold the PFNs
 * ({@link PfnMapping.PgoffsOf}, the inverse of {@code vma_to_pfn} and its kind), queries that
 * mapping's tree for them and checks each page found with the forward {@code pfnOf}. The mappings
 * asked are the iomem mapping and those of the kernel's registered objects: work linear in the
 * objects, logarithmic in the VMAs of each mapping, and nothing per process.
 *
 * <p>Linux has no such map: a {@code VM_PFNMAP} page has no {@code struct page} rmap
 * ({@code vm_normal_page} returns NULL for it), so {@code unmap_mapping_range} on the
 * {@code address_space} is the only way back from a physical range to its PTEs (docs/linux.md).
 *
 * <p>Locks: each mapping's {@code i_mmap_rwsem} for reading, and under it each found VMA's page table
 * lock while its PTEs are read (the order of a zap). The answer is a snapshot: a fault or zap may
 * change it as soon as the locks are dropped.
 */
public final class Rmap {
    private Rmap() {
    }

    /**
     * One VMA (all pieces of one VMA id in one process) that reaches the queried range.
     *
     * @param pid the process
     * @param vma the VMA's id
     * @param mapping the id of the {@code address_space} it is linked into ({@code iomem} for every view of physical memory)
     * @param path the path of the file it maps (the view it came through)
     * @param object the revocable object of that file, or null when the file is no object's
     * @param adapter that object's adapter, or null
     * @param firstPgoff the first file page of the VMA that reaches the range
     * @param firstPfn the physical page behind {@code firstPgoff}
     * @param pages how many of its pages reach the range
     * @param present how many of those have a PTE to a page of the range now
     */
    public record Hit(int pid, String vma, String mapping, String path, String object, String adapter,
                      long firstPgoff, long firstPfn, long pages, long present) {
    }

    /** The order of {@link #whoMaps}: by process, then VMA id. */
    public static final Comparator<Hit> ORDER = Comparator.comparingInt(Hit::pid).thenComparing(Hit::vma);

    /**
     * Every VMA that can reach a page of {@code [firstPfn, firstPfn + pages)}, by pid then VMA id. Call
     * it holding no simulated lock.
     */
    public static List<Hit> whoMaps(Kernel kernel, long firstPfn, long pages) {
        if (firstPfn < 0 || pages <= 0) {
            throw new IllegalArgumentException("no page range at " + firstPfn + " (" + pages + " pages)");
        }
        long lastPfn = pages - 1 > Long.MAX_VALUE - firstPfn ? Long.MAX_VALUE : firstPfn + (pages - 1);
        Map<String, Hit> hits = new LinkedHashMap<>();
        for (AddressSpace as : searched(kernel)) {
            search(as, firstPfn, lastPfn, hits);
        }
        List<Hit> out = new ArrayList<>(hits.values());
        out.sort(ORDER);
        return out;
    }

    /** How many VMAs have a PTE present to a page of the range. */
    public static int presentCount(List<Hit> hits) {
        int n = 0;
        for (Hit h : hits) {
            if (h.present() > 0) {
                n++;
            }
        }
        return n;
    }

    /** The iomem mapping, then each registered object's mapping that says what it installs, each once. */
    private static List<AddressSpace> searched(Kernel kernel) {
        Set<AddressSpace> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<AddressSpace> out = new ArrayList<>();
        AddressSpace iomem = kernel.iomemMapping();
        if (iomem != null && seen.add(iomem)) {
            out.add(iomem);
        }
        for (RevocableObject o : kernel.objects()) {
            AddressSpace m = o.mapping();
            if (m.pfnMapping() != null && seen.add(m)) {
                out.add(m);
            }
        }
        return out;
    }

    private static void search(AddressSpace as, long firstPfn, long lastPfn, Map<String, Hit> hits) {
        PfnMapping pfns = as.pfnMapping();
        if (pfns == null) {
            return;
        }
        // The driver's candidate file-page ranges, merged: a VMA met in two of them counts each page once.
        List<long[]> ranges = new ArrayList<>();
        pfns.pgoffsOf(firstPfn, lastPfn, (a, b) -> {
            if (a <= b) {
                ranges.add(new long[] {Math.max(0, a), b});
            }
        });
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : ranges) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && (last[1] == Long.MAX_VALUE || r[0] <= last[1] + 1)) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(r);
            }
        }
        for (long[] r : merged) {
            as.forEachOverlappingLocked(r[0], r[1], vma -> reach(as, pfns, vma, r[0], r[1], firstPfn, lastPfn, hits));
        }
    }

    /** The pages of {@code vma} in file pages {@code [from, to]} whose PFN is in the range; their PTEs. */
    private static void reach(AddressSpace as, PfnMapping pfns, Vma vma, long from, long to, long firstPfn,
                              long lastPfn, Map<String, Hit> hits) {
        long a = Math.max(from, vma.pgoff());
        long b = Math.min(to, vma.lastPgoff());
        long reached = 0;
        long firstPgoff = -1;
        long firstPagePfn = -1;
        List<long[]> pages = new ArrayList<>(); // {pgoff, pfn}
        for (long pgoff = a; pgoff <= b; pgoff++) {
            long pfn = pfns.pfnOf(vma, pgoff);
            if (pfn != PfnMapping.NO_PFN && pfn >= firstPfn && pfn <= lastPfn) {
                reached++;
                if (firstPgoff < 0) {
                    firstPgoff = pgoff;
                    firstPagePfn = pfn;
                }
                pages.add(new long[] {pgoff, pfn});
            }
            if (pgoff == Long.MAX_VALUE) {
                break;
            }
        }
        if (reached == 0) {
            return;
        }
        long present = 0;
        PageTable pt = vma.mm().pageTable();
        pt.lock().writeLock();
        try {
            if (!pt.isFreed()) {
                long base = vma.start() / Kernel.PAGE_SIZE - vma.pgoff();
                for (long[] p : pages) {
                    long e = pt.lookup(base + p[0]);
                    if (e != 0) {
                        long pfn = PageTable.pfnOf(e);
                        if (pfn >= firstPfn && pfn <= lastPfn) {
                            present++;
                        }
                    }
                }
            }
        } finally {
            pt.lock().writeUnlock();
        }
        int pid = vma.mm().owner().pid();
        OpenFile file = vma.file();
        RevocableObject o = file == null ? null : RevocableObject.of(file);
        Hit h = new Hit(pid, vma.id(), as.id(), file == null ? null : file.inode().path(), o == null ? null : o.id(),
                o == null ? null : o.adapter(), firstPgoff, firstPagePfn, reached, present);
        hits.merge(pid + " " + vma.id(), h, (x, y) -> {
            Hit lo = x.firstPgoff() <= y.firstPgoff() ? x : y;
            return new Hit(pid, x.vma(), x.mapping(), x.path(), x.object(), x.adapter(), lo.firstPgoff(), lo.firstPfn(),
                    x.pages() + y.pages(), x.present() + y.present());
        });
    }
}
