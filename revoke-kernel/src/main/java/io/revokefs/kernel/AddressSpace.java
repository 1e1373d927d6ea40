package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.internal.TrackedLock;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct address_space} as far as mappings go: {@code i_mmap}, the VMAs that map the file,
 * and {@code i_mmap_rwsem}. Several files can share one (every view of iomem does, section 5 of
 * docs/semantics.md), which is what lets one {@link #unmapMappingRange} reach all of them.
 */
public final class AddressSpace {
    private final String id;
    private final TrackedLock iMmapRwsem;
    private final VmaIntervalTree iMmap = new VmaIntervalTree();
    /** What the VMAs of this mapping install, for the rmap; null: not physical pages the rmap can name. */
    private volatile PfnMapping pfns;
    /** Footprint key (Interleave.touch) of {@code pfns}; the tree is under {@code i_mmap_rwsem}. */
    private final String pfnsKey;

    /** The result of a zap: how many VMAs overlapped the range, and how many PTEs were removed. */
    public record ZapCount(int vmas, long ptes) {
    }

    AddressSpace(String id) {
        this.id = id;
        this.pfnsKey = "pfn mapping of " + id;
        this.iMmapRwsem = new TrackedLock("i_mmap_rwsem(" + id + ")", LockOrder.Level.I_MMAP_RWSEM);
    }

    public String id() {
        return id;
    }

    public TrackedLock iMmapRwsem() {
        return iMmapRwsem;
    }

    /**
     * Tells the rmap ({@link Rmap}) which physical pages this mapping's VMAs install: the
     * {@link PfnMapping} whose {@code pfnOf} every VMA linked here populates with. A driver whose
     * mmap installs PFNs sets it once, when it creates the mapping; the iomem mapping has
     * {@link PfnMapping#identity()}.
     */
    public void setPfnMapping(PfnMapping m) {
        Interleave.touch(pfnsKey, true);
        this.pfns = java.util.Objects.requireNonNull(m, "pfnMapping");
    }

    /** The {@link PfnMapping} set by {@link #setPfnMapping}, or null. */
    public PfnMapping pfnMapping() {
        Interleave.touch(pfnsKey, false);
        return pfns;
    }

    /** Calls {@code action} on each VMA overlapping {@code [first, last]}, in tree order, holding {@code i_mmap_rwsem} for reading. */
    void forEachOverlappingLocked(long first, long last, java.util.function.Consumer<Vma> action) {
        iMmapRwsem.readLock();
        try {
            iMmap.forEachOverlapping(first, last, action);
        } finally {
            iMmapRwsem.readUnlock();
        }
    }

    /** {@code vma_link_file}: takes {@code i_mmap_rwsem} for writing. */
    void link(Vma vma) {
        iMmapRwsem.writeLock();
        try {
            linkLocked(vma);
        } finally {
            iMmapRwsem.writeUnlock();
        }
    }

    void linkLocked(Vma vma) {
        if (vma.linkedInto != null) {
            throw new IllegalStateException("VMA already linked: " + vma);
        }
        Interleave.point("i_mmap insert", vma.id());
        iMmap.insert(vma);
        vma.linkedInto = this;
    }

    /** {@code unlink_file_vma}: takes {@code i_mmap_rwsem} for writing. */
    void unlink(Vma vma) {
        iMmapRwsem.writeLock();
        try {
            unlinkLocked(vma);
        } finally {
            iMmapRwsem.writeUnlock();
        }
    }

    void unlinkLocked(Vma vma) {
        iMmap.remove(vma);
        vma.linkedInto = null;
    }

    /**
     * {@code unmap_mapping_range(mapping, first, count, 1)}: removes the PTEs of every page of
     * {@code [first, first + count)} in every VMA that maps it, leaving the VMAs in place; a later
     * access faults again. Takes {@code i_mmap_rwsem} for reading, then each VMA's page table lock.
     * Does not take any {@code mmap_lock}.
     */
    public ZapCount unmapMappingRange(long first, long count) {
        if (count <= 0) {
            return new ZapCount(0, 0);
        }
        long last = first + count - 1 < first ? Long.MAX_VALUE : first + count - 1;
        int[] vmas = {0};
        long[] ptes = {0};
        iMmapRwsem.readLock();
        try {
            iMmap.forEachOverlapping(first, last, vma -> {
                vmas[0]++;
                ptes[0] += zapVma(vma, first, last);
            });
        } finally {
            iMmapRwsem.readUnlock();
        }
        return new ZapCount(vmas[0], ptes[0]);
    }

    /** {@code unmap_mapping_range_vma}: zaps the part of {@code vma} that maps {@code [first, last]}. */
    private static long zapVma(Vma vma, long first, long last) {
        long from = Math.max(first, vma.pgoff());
        long to = Math.min(last, vma.lastPgoff());
        long vpn = vma.start() / Kernel.PAGE_SIZE + (from - vma.pgoff());
        PageTable pt = vma.mm().pageTable();
        pt.lock().writeLock();
        try {
            Interleave.point("zap", vma.id());
            return pt.zap(vpn, to - from + 1);
        } finally {
            pt.lock().writeUnlock();
        }
    }

    /**
     * Visits, mm by mm, each VMA overlapping {@code [first, first + count)} for which {@code wanted}
     * holds, and calls {@code action} on it with its mm's {@code mmap_lock} held for reading and
     * {@code i_mmap_rwsem} not held (as {@code remove_vma} calls {@code ->close}). The locks are taken
     * in the kernel's order: under {@code i_mmap_rwsem} collect the mms with wanted VMAs (the Java
     * heap keeps each {@code mm_struct}, as {@code mmgrab} would), drop it; then per mm take its
     * {@code mmap_lock}, retake {@code i_mmap_rwsem}, find again, among the mm's own VMAs, those
     * linked here, in the range and wanted (never the pointers of the first pass: those may have been
     * split, moved or unmapped meanwhile), drop {@code i_mmap_rwsem}, and act on them: holding
     * {@code mmap_lock} keeps them from being split, moved or unmapped while {@code action} runs. An
     * mm that exited is skipped. Passes repeat until one finds nothing new (a fork may have linked
     * copies in an mm not yet collected); each VMA is visited at most once. Returns how many
     * {@code action} was called on. Costs two passes over the range's VMAs in {@code i_mmap} and
     * one over each collected mm's VMAs: linear in the VMAs, whatever the number of mms.
     */
    public int forEachVmaPerMm(long first, long count, java.util.function.Predicate<Vma> wanted,
                               java.util.function.Consumer<Vma> action) {
        return forEachVmaPerMm(first, count, wanted, action, () -> false, false);
    }

    /**
     * {@link #forEachVmaPerMm(long, long, java.util.function.Predicate, java.util.function.Consumer)}
     * that stops before a further pass once {@code done} holds (the caller knows nothing is left
     * wanted: the close step, once no piece is owed a close), and, with {@code actionSettles}, knows
     * that {@code action} makes its VMA unwanted, so nothing visited needs remembering.
     */
    public int forEachVmaPerMm(long first, long count, java.util.function.Predicate<Vma> wanted,
                               java.util.function.Consumer<Vma> action, java.util.function.BooleanSupplier done,
                               boolean actionSettles) {
        long last = first + count - 1 < first ? Long.MAX_VALUE : first + count - 1;
        java.util.Set<Vma> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int visited = 0;
        for (boolean firstPass = true; firstPass || !done.getAsBoolean(); firstPass = false) {
            java.util.Set<Mm> mms = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            List<Mm> order = new ArrayList<>();
            iMmapRwsem.readLock();
            try {
                iMmap.forEachOverlapping(first, last, v -> {
                    // The mm first: once it is collected its other VMAs need no test (an mm has many).
                    if (!mms.contains(v.mm()) && wanted.test(v) && (actionSettles || !seen.contains(v))) {
                        mms.add(v.mm());
                        order.add(v.mm());
                    }
                });
            } finally {
                iMmapRwsem.readUnlock();
            }
            if (order.isEmpty()) {
                return visited;
            }
            for (Mm mm : order) {
                Interleave.point("per-mm walk", "pid " + mm.owner().pid());
                mm.mmapLock().readLock();
                try {
                    // Re-find this mm's pieces under both locks, through the mm's own VMAs (stable
                    // under its mmap_lock): the pointers of the first pass may have been split,
                    // moved or unmapped while no lock was held (in Linux they may be freed).
                    List<Vma> still = new ArrayList<>();
                    iMmapRwsem.readLock();
                    try {
                        if (!mm.isDead()) {
                            for (Vma v : mm.vmasLocked()) {
                                if (v.linkedInto == this && v.pgoff() <= last && v.lastPgoff() >= first
                                        && wanted.test(v) && (actionSettles || !seen.contains(v))) {
                                    still.add(v);
                                }
                            }
                        }
                    } finally {
                        iMmapRwsem.readUnlock();
                    }
                    for (Vma v : still) {
                        action.accept(v);
                        visited++;
                        if (!actionSettles && wanted.test(v)) {
                            seen.add(v); // still wanted: never act on it again
                        }
                    }
                } finally {
                    mm.mmapLock().readUnlock();
                }
            }
        }
        return visited;
    }

    /** The VMAs overlapping a file page range, in tree order (a snapshot, under {@code i_mmap_rwsem}). */
    public List<Vma> vmasOverlapping(long first, long count) {
        List<Vma> out = new ArrayList<>();
        long last = first + count - 1 < first ? Long.MAX_VALUE : first + count - 1;
        iMmapRwsem.readLock();
        try {
            iMmap.forEachOverlapping(first, last, out::add);
        } finally {
            iMmapRwsem.readUnlock();
        }
        return out;
    }

    /** Every VMA in {@code i_mmap}. */
    public List<Vma> allVmas() {
        return vmasOverlapping(0, Long.MAX_VALUE);
    }

    public int vmaCount() {
        iMmapRwsem.readLock();
        try {
            return iMmap.size();
        } finally {
            iMmapRwsem.readUnlock();
        }
    }

    @Override
    public String toString() {
        return "address_space(" + id + ")";
    }
}
