package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.Set;

/**
 * A virtual memory area ({@code struct vm_area_struct}): {@code [start, end)} of one mm, mapping file
 * pages from {@code vm_pgoff} on. Addresses are in bytes and page aligned.
 *
 * <p>The {@link #id()} names the mapping in events; the pieces a partial munmap leaves keep the id of
 * the VMA they came from (so "v1" in a scenario keeps naming what was mapped as v1), and a child's
 * copy at fork gets a new id.
 *
 * <p>Fields change only under the owning mm's {@code mmap_lock} held for writing, and, while the VMA
 * is linked into a mapping, under that mapping's {@code i_mmap_rwsem} too. A driver's
 * {@code f_op->mmap} may set {@link #setVmOps}, flags, {@link #setPgoff} and {@link #setFile}.
 */
public final class Vma {
    private final String id;
    /**
     * Footprint key (Interleave.touch) of every mutable field: its id, fixed at creation. The range
     * and flags change under mmap_lock, but some readers (the rmap walk, the zap) hold only
     * i_mmap_rwsem or a page table lock, so each access is declared here.
     */
    private final String key;
    private final Mm mm;
    private long start;
    private long end;
    private long pgoff;
    private final EnumSet<VmaFlag> flags;
    private VmOperations vmOps;
    private OpenFile file;
    private Object privateData;
    /** Tie-break for the interval tree: a VMA inserted later sorts after one with the same pgoff. */
    long treeSeq;
    AddressSpace linkedInto;
    /** Set by fork on the first piece of each copied mapping: the id it was copied from. */
    private String forkOrigin;
    /**
     * Whether {@code vm_page_prot} lacks the write bit although the VMA is writable: set once
     * {@code ->mmap} has returned ({@code vma_set_page_prot} in {@code mmap_region}), when
     * {@code vma_wants_writenotify} holds. PTEs installed from then on are read-only, and the first
     * store to each takes a write-protect fault ({@code do_wp_page}).
     */
    private boolean writeNotify;
    /** {@code vm_policy}: the NUMA policy {@code mbind(2)} set, or null (the task's default). */
    private MemPolicy policy;
    /**
     * The one bit the revoke library's close step keeps on a VMA (docs/semantics.md section 9):
     * {@link #CLOSE_NONE}, {@link #CLOSE_OWED} (this piece reached a driver whose vm_ops has close)
     * or {@link #CLOSE_DONE}. Linux has no such field: kernfs_fop_mmap refuses a driver with
     * {@code ->close}, so nothing in mm records which pieces are owed one. A copy or a split piece
     * starts at {@code CLOSE_NONE} and becomes owed when its {@code ->open} reaches the driver.
     */
    @SuppressWarnings("unused") // accessed through CLOSE
    private volatile int close;
    private static final int CLOSE_NONE = 0;
    private static final int CLOSE_OWED = 1;
    private static final int CLOSE_DONE = 2;
    private static final VarHandle CLOSE;

    static {
        try {
            CLOSE = MethodHandles.lookup().findVarHandle(Vma.class, "close", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Vma(String id, Mm mm, long start, long end, long pgoff, Set<VmaFlag> flags, OpenFile file) {
        this.id = id;
        this.key = "vma " + id;
        this.mm = mm;
        this.start = start;
        this.end = end;
        this.pgoff = pgoff;
        this.flags = flags.isEmpty() ? EnumSet.noneOf(VmaFlag.class) : EnumSet.copyOf(flags);
        this.file = file;
    }

    /** The library's close step: this piece is owed one driver close; false if it was owed or closed already. */
    public boolean markCloseOwed() {
        Interleave.touch(key, true);
        return CLOSE.compareAndSet(this, CLOSE_NONE, CLOSE_OWED);
    }

    /** Whether this piece is owed a driver close (reached the driver, not yet closed). */
    public boolean isCloseOwed() {
        Interleave.touch(key, false);
        return close == CLOSE_OWED;
    }

    /** Takes the right to close this piece: true for exactly one caller, the one that must close it. */
    public boolean takeClose() {
        Interleave.touch(key, true);
        return CLOSE.compareAndSet(this, CLOSE_OWED, CLOSE_DONE);
    }

    /** A copy for fork or split: same range and pgoff, new mm possibly; file reference not taken here. */
    Vma copy(String newId, Mm newMm) {
        Interleave.touch(key, false);
        Vma v = new Vma(newId, newMm, start, end, pgoff, flags, file);
        v.vmOps = vmOps;
        v.privateData = privateData;
        v.writeNotify = writeNotify;
        v.policy = policy; // vma_dup_policy
        return v;
    }

    public String id() {
        return id;
    }

    public Mm mm() {
        return mm;
    }

    public long start() {
        Interleave.touch(key, false);
        return start;
    }

    public long end() {
        Interleave.touch(key, false);
        return end;
    }

    public long pages() {
        Interleave.touch(key, false);
        return (end - start) / Kernel.PAGE_SIZE;
    }

    /** {@code vm_pgoff}: the file page mapped at {@link #start()}. */
    public long pgoff() {
        Interleave.touch(key, false);
        return pgoff;
    }

    /** The last file page this VMA maps. */
    public long lastPgoff() {
        Interleave.touch(key, false);
        return pgoff + pages() - 1;
    }

    /** The file page mapped at {@code addr}. */
    public long pgoffAt(long addr) {
        Interleave.touch(key, false);
        return pgoff + (addr - start) / Kernel.PAGE_SIZE;
    }

    public boolean has(VmaFlag f) {
        Interleave.touch(key, false);
        return flags.contains(f);
    }

    public Set<VmaFlag> flags() {
        Interleave.touch(key, false);
        return EnumSet.copyOf(flags);
    }

    /** For drivers in {@code f_op->mmap}: {@code vm_flags_set}. */
    public void addFlags(VmaFlag... fs) {
        Interleave.touch(key, true);
        for (VmaFlag f : fs) {
            flags.add(f);
        }
    }

    public VmOperations vmOps() {
        Interleave.touch(key, false);
        return vmOps;
    }

    public void setVmOps(VmOperations ops) {
        Interleave.touch(key, true);
        this.vmOps = ops;
    }

    public OpenFile file() {
        Interleave.touch(key, false);
        return file;
    }

    /** Replaces {@code vm_file}, as some drivers' {@code ->mmap} do; such a VMA is left unwrapped. */
    public void setFile(OpenFile f) {
        Interleave.touch(key, true);
        this.file = f;
    }

    /** For drivers in {@code f_op->mmap} only (the VMA is not linked yet). */
    public void setPgoff(long pgoff) {
        Interleave.touch(key, true);
        if (linkedInto != null) {
            throw new IllegalStateException("vm_pgoff of a linked VMA changes only through the mm");
        }
        this.pgoff = pgoff;
    }

    public Object privateData() {
        Interleave.touch(key, false);
        return privateData;
    }

    public void setPrivateData(Object data) {
        Interleave.touch(key, true);
        this.privateData = data;
    }

    /** The id this VMA was copied from by fork, on the first piece of each copied mapping; else null. */
    public String forkOrigin() {
        Interleave.touch(key, false);
        return forkOrigin;
    }

    void setForkOrigin(String origin) {
        Interleave.touch(key, true);
        this.forkOrigin = origin;
    }

    /**
     * {@code vma_set_page_prot}: from now on PTEs of this VMA are installed read-only when
     * {@code vma_wants_writenotify} holds: a shared writable mapping whose vm_ops has
     * {@code ->page_mkwrite} ({@code vm_ops_needs_writenotify}; the simulation has no
     * {@code ->pfn_mkwrite}).
     */
    void setPageProt() {
        Interleave.touch(key, true);
        this.writeNotify = flags.contains(VmaFlag.SHARED) && flags.contains(VmaFlag.WRITE)
                && vmOps != null && vmOps.hasPageMkwrite();
    }

    /** Whether a PTE installed now is writable: {@code VM_WRITE} in {@code vm_page_prot}. */
    boolean installsWritable() {
        Interleave.touch(key, false);
        return flags.contains(VmaFlag.WRITE) && !writeNotify;
    }

    /** {@code vm_policy}, or null when none was set ({@code mbind(2)}). */
    public MemPolicy policy() {
        Interleave.touch(key, false);
        return policy;
    }

    void setPolicy(MemPolicy p) {
        Interleave.touch(key, true);
        this.policy = p;
    }

    /** Whether this VMA is linked into its file's mapping ({@code i_mmap}). */
    public boolean isLinked() {
        Interleave.touch(key, false);
        return linkedInto != null;
    }

    void setRange(long start, long end, long pgoff) {
        Interleave.touch(key, true);
        this.start = start;
        this.end = end;
        this.pgoff = pgoff;
    }

    @Override
    public String toString() {
        return String.format("%s[%s 0x%x-0x%x pgoff=0x%x]", id, mm.owner().pid(), start, end, pgoff);
    }
}
