package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.internal.TrackedLock;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A process's page table: virtual page number to page frame, with a write bit. Two levels like the
 * real thing: a map of 512-entry leaf tables, so a densely mapped page costs 8 bytes and a range can
 * be zapped leaf by leaf.
 *
 * <p>Every method requires {@link #lock()} (the kernel's page table lock) held by the caller.
 * After {@link #free()} (process exit) any use throws: that is a use-after-free in the kernel.
 */
public final class PageTable {
    static final int LEAF_SHIFT = 9;
    static final int LEAF_SIZE = 1 << LEAF_SHIFT;
    private static final long LEAF_MASK = LEAF_SIZE - 1;
    private static final long WRITABLE = 1L;

    private final TrackedLock lock;
    private final Map<Long, long[]> leaves = new HashMap<>();
    private final Map<Long, Integer> leafCounts = new HashMap<>();
    private final String owner;
    /** Footprint key (Interleave.touch) of the entries: most callers hold the lock, the checks of a freed table need not. */
    private final String key;
    private long present;
    private boolean freed;

    PageTable(String owner) {
        this.owner = owner;
        this.key = "page table " + owner;
        this.lock = new TrackedLock("page_table_lock(" + owner + ")", LockOrder.Level.PAGE_TABLE_LOCK);
    }

    public TrackedLock lock() {
        return lock;
    }

    /** Encoded entry: 0 when absent. Decode with {@link #pfnOf} and {@link #isWritable}. */
    long lookup(long vpn) {
        Interleave.touch(key, false);
        checkLive();
        long[] leaf = leaves.get(vpn >>> LEAF_SHIFT);
        return leaf == null ? 0 : leaf[(int) (vpn & LEAF_MASK)];
    }

    static long pfnOf(long entry) {
        return (entry >>> 1) - 1;
    }

    static boolean isWritable(long entry) {
        return (entry & WRITABLE) != 0;
    }

    /** Installs an entry; returns false (and leaves the old one) when one is present. */
    boolean install(long vpn, long pfn, boolean writable) {
        Interleave.touch(key, true);
        checkLive();
        long key = vpn >>> LEAF_SHIFT;
        long[] leaf = leaves.computeIfAbsent(key, k -> new long[LEAF_SIZE]);
        int i = (int) (vpn & LEAF_MASK);
        if (leaf[i] != 0) {
            return false;
        }
        leaf[i] = ((pfn + 1) << 1) | (writable ? WRITABLE : 0);
        leafCounts.merge(key, 1, Integer::sum);
        present++;
        return true;
    }

    /**
     * Makes the entry at {@code vpn} writable if it is still {@code expected} ({@code pte_same} in
     * {@code finish_mkwrite_fault}, then {@code wp_page_reuse}). Returns whether it did.
     */
    boolean mkwrite(long vpn, long expected) {
        Interleave.touch(key, true);
        checkLive();
        long[] leaf = leaves.get(vpn >>> LEAF_SHIFT);
        int i = (int) (vpn & LEAF_MASK);
        if (leaf == null || leaf[i] != expected || expected == 0) { // pte_same: a none PTE is never the one that faulted
            return false;
        }
        leaf[i] = expected | WRITABLE;
        return true;
    }

    /** Removes the entries of {@code [vpn, vpn + count)}; returns how many were present. */
    long zap(long vpn, long count) {
        Interleave.touch(key, true);
        checkLive();
        long removed = 0;
        long end = vpn + count;
        if (leaves.size() < (count >>> LEAF_SHIFT) + 1) {
            // Few leaves: visit them rather than every page of a large range.
            Iterator<Map.Entry<Long, long[]>> it = leaves.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Long, long[]> e = it.next();
                long base = e.getKey() << LEAF_SHIFT;
                if (base + LEAF_SIZE <= vpn || base >= end) {
                    continue;
                }
                long n = zapLeaf(e.getKey(), e.getValue(), Math.max(vpn, base), Math.min(end, base + LEAF_SIZE));
                removed += n;
                if (leafCounts.getOrDefault(e.getKey(), 0) == 0) {
                    it.remove();
                    leafCounts.remove(e.getKey());
                }
            }
        } else {
            for (long key = vpn >>> LEAF_SHIFT; (key << LEAF_SHIFT) < end; key++) {
                long[] leaf = leaves.get(key);
                if (leaf == null) {
                    continue;
                }
                long base = key << LEAF_SHIFT;
                removed += zapLeaf(key, leaf, Math.max(vpn, base), Math.min(end, base + LEAF_SIZE));
                if (leafCounts.getOrDefault(key, 0) == 0) {
                    leaves.remove(key);
                    leafCounts.remove(key);
                }
            }
        }
        present -= removed;
        return removed;
    }

    private long zapLeaf(long key, long[] leaf, long from, long to) {
        long removed = 0;
        for (long v = from; v < to; v++) {
            int i = (int) (v & LEAF_MASK);
            if (leaf[i] != 0) {
                leaf[i] = 0;
                removed++;
            }
        }
        if (removed > 0) {
            leafCounts.merge(key, (int) -removed, Integer::sum);
        }
        return removed;
    }

    /** Counts present entries in {@code [vpn, vpn + count)}: work proportional to the leaves present, not to {@code count}. */
    long countPresent(long vpn, long count) {
        Interleave.touch(key, false);
        checkLive();
        long[] n = {0};
        forEachPresent(vpn, count, (v, e) -> n[0]++);
        return n[0];
    }

    /** Moves the entries of {@code [from, from + count)} to start at {@code to} (mremap's move_page_tables). */
    void move(long from, long to, long count) {
        Interleave.touch(key, true);
        checkLive();
        Map<Long, Long> saved = new java.util.TreeMap<>();
        forEachPresent(from, count, (v, e) -> saved.put(v - from, e));
        zap(from, count);
        saved.forEach((i, e) -> install(to + i, pfnOf(e), isWritable(e)));
    }

    /** Copies the entries of {@code [vpn, vpn + count)} into {@code child} at the same pages (fork's copy_page_range). */
    void copyTo(PageTable child, long vpn, long count) {
        Interleave.touch(key, true);
        Interleave.touch(child.key, true);
        checkLive();
        forEachPresent(vpn, count, (v, e) -> child.install(v, pfnOf(e), isWritable(e)));
    }

    /** An entry present at a page. */
    @FunctionalInterface
    private interface EntryVisitor {
        void visit(long vpn, long entry);
    }

    /** Visits the present entries of {@code [vpn, vpn + count)}, walking the leaves present (as zap does) when they are fewer than the range's. */
    private void forEachPresent(long vpn, long count, EntryVisitor visitor) {
        long end = vpn + count;
        if (leaves.size() < (count >>> LEAF_SHIFT) + 1) {
            for (Map.Entry<Long, long[]> e : leaves.entrySet()) {
                long base = e.getKey() << LEAF_SHIFT;
                visitLeaf(e.getValue(), base, Math.max(vpn, base), Math.min(end, base + LEAF_SIZE), visitor);
            }
        } else {
            for (long key = vpn >>> LEAF_SHIFT; (key << LEAF_SHIFT) < end; key++) {
                long[] leaf = leaves.get(key);
                if (leaf != null) {
                    long base = key << LEAF_SHIFT;
                    visitLeaf(leaf, base, Math.max(vpn, base), Math.min(end, base + LEAF_SIZE), visitor);
                }
            }
        }
    }

    private static void visitLeaf(long[] leaf, long base, long from, long to, EntryVisitor visitor) {
        for (long v = from; v < to; v++) {
            long e = leaf[(int) (v - base)];
            if (e != 0) {
                visitor.visit(v, e);
            }
        }
    }

    /** Total entries present. */
    public long present() {
        Interleave.touch(key, false);
        return present;
    }

    /** Process exit: the table is gone. Any later use is a use-after-free and throws. */
    void free() {
        Interleave.touch(key, true);
        leaves.clear();
        leafCounts.clear();
        present = 0;
        freed = true;
    }

    public boolean isFreed() {
        Interleave.touch(key, false);
        return freed;
    }

    private void checkLive() {
        if (freed) {
            throw new IllegalStateException("use after free: page table of " + owner + " was freed at exit");
        }
    }
}
