package io.revokefs.core.kernel;

import io.revokefs.core.Interleave;
import io.revokefs.core.LockOrder;
import io.revokefs.core.TrackedLock;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct address_space} as far as mappings go: {@code i_mmap}, the VMAs that map the file,
 * and {@code i_mmap_rwsem}. Several files can share one (every view of iomem does, section 5 of
 * SEMANTICS.md), which is what lets one {@link #unmapMappingRange} reach all of them.
 */
public final class AddressSpace {
    private final String id;
    private final TrackedLock iMmapRwsem;
    private final VmaIntervalTree iMmap = new VmaIntervalTree();

    /** The result of a zap: how many VMAs overlapped the range, and how many PTEs were removed. */
    public record ZapCount(int vmas, long ptes) {
    }

    AddressSpace(String id) {
        this.id = id;
        this.iMmapRwsem = new TrackedLock("i_mmap_rwsem(" + id + ")", LockOrder.Level.I_MMAP_RWSEM);
    }

    public String id() {
        return id;
    }

    public TrackedLock iMmapRwsem() {
        return iMmapRwsem;
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
     * Visits, with the VMA's {@code mmap_lock} held for reading, each VMA overlapping
     * {@code [first, first + count)} for which {@code wanted} holds, and calls {@code action} on it
     * with {@code i_mmap_rwsem} held for reading too. The locks are taken in the kernel's order even
     * though the walk starts from {@code i_mmap}: find a VMA under {@code i_mmap_rwsem}, drop it, take
     * the mm's {@code mmap_lock}, retake {@code i_mmap_rwsem}, and re-check that the VMA is still
     * linked here and its mm still alive (the loop of the 2024 vfio-pci remap discussion; the Java
     * heap plays {@code mmgrab}'s part of keeping the mm_struct itself). Each VMA is visited at most
     * once. Returns how many {@code action} was called on.
     */
    public int forEachVmaWithMmapLock(long first, long count, java.util.function.Predicate<Vma> wanted,
                                      java.util.function.Consumer<Vma> action) {
        long last = first + count - 1 < first ? Long.MAX_VALUE : first + count - 1;
        java.util.Set<Vma> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int visited = 0;
        while (true) {
            Vma target = null;
            iMmapRwsem.readLock();
            try {
                List<Vma> candidates = new ArrayList<>();
                iMmap.forEachOverlapping(first, last, candidates::add);
                for (Vma v : candidates) {
                    if (!seen.contains(v) && wanted.test(v)) {
                        target = v;
                        break;
                    }
                }
            } finally {
                iMmapRwsem.readUnlock();
            }
            if (target == null) {
                return visited;
            }
            seen.add(target);
            Mm mm = target.mm();
            mm.mmapLock().readLock();
            try {
                iMmapRwsem.readLock();
                try {
                    if (target.linkedInto == this && !mm.isDead() && target.pgoff() <= last && target.lastPgoff() >= first) {
                        action.accept(target);
                        visited++;
                    }
                } finally {
                    iMmapRwsem.readUnlock();
                }
            } finally {
                mm.mmapLock().readUnlock();
            }
        }
    }

    /** The VMAs overlapping a file page range, in tree order (a snapshot, under {@code i_mmap_rwsem}). */
    public List<Vma> vmasOverlapping(long first, long count) {
        List<Vma> out = new ArrayList<>();
        iMmapRwsem.readLock();
        try {
            iMmap.forEachOverlapping(first, first + count - 1, out::add);
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
