package io.revokefs.kernel;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.internal.TrackedLock;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * {@code struct mm_struct}: a process's VMAs, page table and {@code mmap_lock}, and the memory
 * system calls that change them, in the kernel's order and with the kernel's locks:
 * {@code mmap_lock} before {@code i_mmap_rwsem} before the page table lock.
 */
public final class Mm {
    /** The lowest address {@code get_unmapped_area} hands out. */
    static final long MMAP_BASE = 0x10_0000_0000L;
    /** How many faults one access may take before the simulation calls it a livelock bug. */
    private static final int FAULT_RETRY_LIMIT = 1000;

    private final Process owner;
    private final TrackedLock mmapLock;
    private final PageTable pageTable;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private long nextAddr = MMAP_BASE;
    private boolean dead;

    Mm(Process owner) {
        this.owner = owner;
        this.mmapLock = new TrackedLock("mmap_lock(pid " + owner.pid() + ")", LockOrder.Level.MMAP_LOCK);
        this.pageTable = new PageTable("pid " + owner.pid());
    }

    public Process owner() {
        return owner;
    }

    public TrackedLock mmapLock() {
        return mmapLock;
    }

    public PageTable pageTable() {
        return pageTable;
    }

    private Kernel kernel() {
        return owner.kernel();
    }

    /** A snapshot of the VMAs, by address. */
    public List<Vma> vmas() {
        mmapLock.readLock();
        try {
            return new ArrayList<>(vmas.values());
        } finally {
            mmapLock.readUnlock();
        }
    }

    /** The VMAs, by address; the caller holds {@code mmap_lock} ({@code for_each_vma}). */
    java.util.Collection<Vma> vmasLocked() {
        return vmas.values();
    }

    /** The VMA containing {@code addr}, or null; the caller holds {@code mmap_lock}. */
    private Vma findVma(long addr) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(addr);
        return e != null && e.getValue().end() > addr ? e.getValue() : null;
    }

    /** Whether a page of a VMA has a PTE (for tests and state snapshots). */
    public boolean isPopulated(Vma vma, long pageIndex) {
        pageTable.lock().writeLock();
        try {
            return !pageTable.isFreed() && pageTable.lookup(vma.start() / Kernel.PAGE_SIZE + pageIndex) != 0;
        } finally {
            pageTable.lock().writeUnlock();
        }
    }

    /** How many pages have PTEs over every piece of the mapping {@code id} (a split VMA's pieces). */
    public long populatedPagesOf(String id) {
        mmapLock.readLock();
        try {
            long n = 0;
            for (Vma v : vmas.values()) {
                if (v.id().equals(id)) {
                    n += populatedPages(v);
                }
            }
            return n;
        } finally {
            mmapLock.readUnlock();
        }
    }

    /** How many pages of {@code vma} have PTEs. */
    public long populatedPages(Vma vma) {
        pageTable.lock().writeLock();
        try {
            return pageTable.isFreed() ? 0 : pageTable.countPresent(vma.start() / Kernel.PAGE_SIZE, vma.pages());
        } finally {
            pageTable.lock().writeUnlock();
        }
    }

    // ---------------------------------------------------------------- mmap

    /**
     * {@code mmap_region} for a shared file mapping: allocates the VMA, takes a file reference, calls
     * {@code f_op->mmap} and only then links the VMA into the file's mapping ({@code vma_link_file}),
     * as the kernel does. On failure of {@code ->mmap} any PTE the driver installed is zapped
     * ({@code unmap_region}) and nothing is left behind.
     */
    Result<Vma> mmap(OpenFile file, long pages, long pgoff, boolean writable) {
        if (pages <= 0 || pgoff < 0) {
            return Result.err(Errno.EINVAL);
        }
        if (writable && file.isReadOnly()) {
            return Result.err(Errno.EACCES);
        }
        EnumSet<VmaFlag> flags = EnumSet.of(VmaFlag.READ, VmaFlag.SHARED);
        if (writable) {
            flags.add(VmaFlag.WRITE);
        }
        mmapLock.writeLock();
        try {
            if (dead) {
                return Result.err(Errno.ENOMEM);
            }
            long addr = getUnmappedArea(pages);
            if (addr < 0) {
                return Result.err(Errno.ENOMEM);
            }
            Vma vma = new Vma(kernel().nextVmaId(), this, addr, addr + pages * Kernel.PAGE_SIZE, pgoff, flags, file);
            file.get();
            Result<Void> r = file.fop().mmap(file, vma);
            if (!r.isOk()) {
                zapPtes(vma);
                vma.file().put();
                return r.castErr();
            }
            vma.setPageProt();
            Interleave.point("mmap before link", vma.id());
            vmas.put(addr, vma);
            vma.file().mapping().link(vma);
            if (vma.vmOps() != null) {
                vma.vmOps().mapped(vma);
            }
            return Result.ok(vma);
        } finally {
            mmapLock.writeUnlock();
        }
    }

    /** A free range of {@code pages} below {@link Kernel#TASK_SIZE}, or -1 (ENOMEM) when none is left. */
    private long getUnmappedArea(long pages) {
        long addr = nextAddr;
        if (pages > (Kernel.TASK_SIZE - addr) / Kernel.PAGE_SIZE) {
            return -1;
        }
        // Leave a hole after each mapping as large as the mapping, so VMAs never touch (no merging
        // to model) and an address once unmapped is not handed out again in a run.
        nextAddr += 2 * pages * Kernel.PAGE_SIZE + Kernel.PAGE_SIZE;
        return addr;
    }

    // ---------------------------------------------------------------- munmap

    /** {@code do_munmap}: whole or partial; splits VMAs, honouring {@code ->may_split}. */
    Result<Void> munmap(long addr, long pages) {
        if (addr % Kernel.PAGE_SIZE != 0 || pages <= 0) {
            return Result.err(Errno.EINVAL);
        }
        long end = addr + pages * Kernel.PAGE_SIZE;
        mmapLock.writeLock();
        try {
            List<Vma> hit = new ArrayList<>(vmas.subMap(vmas.floorKey(addr) == null ? addr : vmas.floorKey(addr), end).values());
            hit.removeIf(v -> v.end() <= addr || v.start() >= end);
            // Check every split first: a refusal leaves everything as it was.
            for (Vma v : hit) {
                Result<Void> r = maySplitAt(v, addr, end);
                if (!r.isOk()) {
                    return r;
                }
            }
            for (Vma v : hit) {
                Vma target = v;
                if (target.start() < addr) {
                    target = split(target, addr);
                }
                if (target.end() > end) {
                    split(target, end);
                }
                removeVma(target);
            }
            return Result.ok();
        } finally {
            mmapLock.writeUnlock();
        }
    }

    /**
     * The {@code ->may_split} checks of cutting {@code [addr, end)} out of {@code vma}: at {@code addr}
     * when the VMA starts before it, then at {@code end} when it ends after it. The driver's error is the
     * answer, as {@code __split_vma} returns it.
     */
    private static Result<Void> maySplitAt(Vma vma, long addr, long end) {
        if (vma.vmOps() == null) {
            return Result.ok();
        }
        if (vma.start() < addr) {
            Result<Void> r = vma.vmOps().maySplit(vma, addr);
            if (!r.isOk()) {
                return r;
            }
        }
        return vma.end() > end ? vma.vmOps().maySplit(vma, end) : Result.ok();
    }

    /**
     * {@code __split_vma}: {@code vma} keeps {@code [start, at)}; returns the new piece {@code [at, end)},
     * which keeps the VMA's id, takes a file reference and gets {@code ->open}.
     */
    private Vma split(Vma vma, long at) {
        Vma upper = vma.copy(vma.id(), this);
        long upperPgoff = vma.pgoff() + (at - vma.start()) / Kernel.PAGE_SIZE;
        upper.setRange(at, vma.end(), upperPgoff);
        if (upper.file() != null) {
            upper.file().get();
        }
        if (upper.vmOps() != null) {
            upper.vmOps().open(upper);
        }
        AddressSpace mapping = vma.linkedInto;
        if (mapping != null) {
            mapping.iMmapRwsem().writeLock();
            try {
                mapping.unlinkLocked(vma);
                vma.setRange(vma.start(), at, vma.pgoff());
                mapping.linkLocked(vma);
                mapping.linkLocked(upper);
            } finally {
                mapping.iMmapRwsem().writeUnlock();
            }
        } else {
            vma.setRange(vma.start(), at, vma.pgoff());
        }
        vmas.put(upper.start(), upper);
        return upper;
    }

    /** Zaps, unlinks, closes and drops one VMA; the caller holds {@code mmap_lock} for writing. */
    private void removeVma(Vma vma) {
        zapPtes(vma);
        if (vma.linkedInto != null) {
            vma.linkedInto.unlink(vma);
        }
        if (vma.vmOps() != null) {
            vma.vmOps().close(vma);
        }
        vmas.remove(vma.start());
        if (vma.file() != null) {
            vma.file().put();
        }
    }

    private void zapPtes(Vma vma) {
        pageTable.lock().writeLock();
        try {
            pageTable.zap(vma.start() / Kernel.PAGE_SIZE, vma.pages());
        } finally {
            pageTable.lock().writeUnlock();
        }
    }

    // ---------------------------------------------------------------- NUMA policy

    /**
     * {@code mbind(2)} of {@code policy} over {@code [addr, addr + pages)}: EFAULT when part of the range
     * is not mapped; each VMA is split at the range's ends ({@code mbind_range}, honouring
     * {@code ->may_split}) and gets the policy through {@code vma_replace_policy}: {@code ->set_policy}
     * first, whose error stops mbind there, then {@code vm_policy}.
     */
    Result<Void> mbind(long addr, long pages, MemPolicy policy) {
        // do_mbind: an unaligned start is EINVAL, then an empty range succeeds doing nothing
        // ("if (end == start) return 0"); a negative count stands for a length that wraps (EINVAL).
        if (addr % Kernel.PAGE_SIZE != 0 || pages < 0) {
            return Result.err(Errno.EINVAL);
        }
        if (pages == 0) {
            return Result.ok();
        }
        long end = addr + pages * Kernel.PAGE_SIZE;
        mmapLock.writeLock();
        try {
            List<Vma> hit = new ArrayList<>();
            for (long a = addr; a < end; ) {
                Vma v = dead ? null : findVma(a);
                if (v == null) {
                    return Result.err(Errno.EFAULT);
                }
                hit.add(v);
                a = v.end();
            }
            for (Vma v : hit) {
                Result<Void> r = maySplitAt(v, addr, end);
                if (!r.isOk()) {
                    return r;
                }
            }
            for (Vma v : hit) {
                Vma target = v.start() < addr ? split(v, addr) : v;
                if (target.end() > end) {
                    split(target, end);
                }
                if (target.vmOps() != null) {
                    Result<Void> r = target.vmOps().setPolicy(target, policy);
                    if (!r.isOk()) {
                        return r;
                    }
                }
                target.setPolicy(policy);
            }
            return Result.ok();
        } finally {
            mmapLock.writeUnlock();
        }
    }

    /**
     * {@code get_mempolicy(MPOL_F_ADDR)}: the policy in force at {@code addr} ({@code __get_vma_policy}:
     * {@code ->get_policy}, or the VMA's {@code vm_policy}); null for none; EFAULT where nothing is mapped.
     */
    Result<MemPolicy> getPolicy(long addr) {
        mmapLock.readLock();
        try {
            Vma vma = dead ? null : findVma(addr);
            if (vma == null) {
                return Result.err(Errno.EFAULT);
            }
            return Result.ok(vma.vmOps() != null ? vma.vmOps().getPolicy(vma, addr) : vma.policy());
        } finally {
            mmapLock.readUnlock();
        }
    }

    // ---------------------------------------------------------------- mremap

    /**
     * {@code mremap(addr, oldPages, newPages, move ? MREMAP_MAYMOVE|MREMAP_FIXED : 0)} as
     * {@code do_mremap} (mm/mremap.c) answers it. {@code check_mremap_params}: EINVAL for an unaligned
     * {@code addr} or no new pages ("a zero new-len is nonsensical"; a zero old length is allowed). Then
     * {@code vma_lookup(addr)}: EFAULT where no VMA contains it. Without {@code move}
     * ({@code mremap_at}): the same size is a no-op; shrinking unmaps
     * {@code [addr + newPages, addr + oldPages)} whatever lies there ({@code shrink_vma}, no boundary
     * check); growing is checked by {@code remap_is_valid}. With {@code move} ({@code mremap_to}): a
     * shrink unmaps the tail first, then {@code remap_is_valid}, then {@code move_vma}: the range is split
     * out of its VMA (after {@code prep_move_vma} asked {@code ->may_split} at each end that is not the
     * VMA's, whose error is returned), moved with its PTEs under {@code i_mmap_rwsem}, so a concurrent
     * zap sees it either before or after the move, never neither, and told by {@code ->mremap}, whose
     * error moves it back. Returns the range's new address.
     * <p>
     * {@code remap_is_valid}: a zero old length on a private mapping is EINVAL (every simulated VMA is
     * shared, {@link #mmap}); a range past the VMA's end EFAULT; growing a VM_PFNMAP or VM_DONTEXPAND
     * VMA EFAULT. Narrower than Linux: growing any other VMA is ENOMEM here (Linux grows it in place
     * when the addresses after it are free, or moves it with {@code move}); a moved range is the same
     * {@code Vma} at its new place, where {@code move_vma} makes a copy ({@code copy_vma}: {@code ->open}
     * on the copy) and unmaps the original ({@code ->close} on it); and a move the driver's
     * {@code ->mremap} refused leaves the VMA split at the range's ends, where Linux unmaps the copy and
     * leaves the original whole (docs/linux.md, "Where the simulated mm is narrower than Linux").
     */
    Result<Long> mremap(long addr, long oldPages, long newPages, boolean move) {
        // A negative count is no unsigned length: refused with the other malformed arguments.
        if (addr % Kernel.PAGE_SIZE != 0 || newPages <= 0 || oldPages < 0) {
            return Result.err(Errno.EINVAL);
        }
        mmapLock.writeLock();
        try {
            Vma vma = dead ? null : findVma(addr);
            if (vma == null) {
                return Result.err(Errno.EFAULT);
            }
            if (newPages < oldPages) { // shrink_vma, moving or not
                Result<Void> r = munmap(addr + newPages * Kernel.PAGE_SIZE, oldPages - newPages); // mmap_lock is reentrant
                if (!r.isOk()) {
                    return r.castErr();
                }
                if (!move) {
                    return Result.ok(addr);
                }
                vma = findVma(addr);
                if (vma == null) {
                    return Result.err(Errno.EFAULT);
                }
                oldPages = newPages;
            } else if (!move && newPages == oldPages) {
                return Result.ok(addr); // mremap_at's MREMAP_NO_RESIZE: no check at all
            }
            Result<Void> valid = remapIsValid(vma, addr, oldPages, newPages);
            if (!valid.isOk()) {
                return valid.castErr();
            }
            if (newPages > oldPages) {
                return Result.err(Errno.ENOMEM); // growing a VMA that may grow: not modelled (see above)
            }
            long end = addr + oldPages * Kernel.PAGE_SIZE;
            Result<Void> splits = maySplitAt(vma, addr, end); // prep_move_vma
            if (!splits.isOk()) {
                return splits.castErr();
            }
            Vma target = vma.start() < addr ? split(vma, addr) : vma;
            if (target.end() > end) {
                split(target, end);
            }
            long newAddr = getUnmappedArea(target.pages());
            if (newAddr < 0) {
                return Result.err(Errno.ENOMEM);
            }
            moveVma(target, newAddr);
            if (target.vmOps() != null) {
                Result<Void> r = target.vmOps().mremap(target);
                if (!r.isOk()) {
                    moveVma(target, addr);
                    return r.castErr();
                }
            }
            return Result.ok(newAddr);
        } finally {
            mmapLock.writeUnlock();
        }
    }

    /**
     * {@code remap_is_valid}, for the flags the simulation has: EINVAL for a zero old length on a
     * private mapping, EFAULT for a range past the VMA's end or for growing a VM_PFNMAP or VM_DONTEXPAND
     * VMA.
     */
    private static Result<Void> remapIsValid(Vma vma, long addr, long oldPages, long newPages) {
        if (oldPages == 0 && !vma.has(VmaFlag.SHARED)) {
            return Result.err(Errno.EINVAL);
        }
        if (oldPages > (vma.end() - addr) / Kernel.PAGE_SIZE) {
            return Result.err(Errno.EFAULT);
        }
        if (newPages != oldPages && (vma.has(VmaFlag.PFNMAP) || vma.has(VmaFlag.DONTEXPAND))) {
            return Result.err(Errno.EFAULT);
        }
        return Result.ok();
    }

    private void moveVma(Vma vma, long newAddr) {
        long oldAddr = vma.start();
        long pages = vma.pages();
        AddressSpace mapping = vma.linkedInto;
        if (mapping != null) {
            mapping.iMmapRwsem().writeLock(); // take_rmap_locks
        }
        try {
            if (mapping != null) {
                mapping.unlinkLocked(vma);
            }
            pageTable.lock().writeLock();
            try {
                pageTable.move(oldAddr / Kernel.PAGE_SIZE, newAddr / Kernel.PAGE_SIZE, pages);
            } finally {
                pageTable.lock().writeUnlock();
            }
            vmas.remove(oldAddr);
            vma.setRange(newAddr, newAddr + pages * Kernel.PAGE_SIZE, vma.pgoff());
            vmas.put(newAddr, vma);
            if (mapping != null) {
                mapping.linkLocked(vma);
            }
        } finally {
            if (mapping != null) {
                mapping.iMmapRwsem().writeUnlock();
            }
        }
    }

    // ---------------------------------------------------------------- fork and exit

    /**
     * {@code dup_mmap}: copies every VMA without VM_DONTCOPY into {@code child}. Each copy takes a file
     * reference, is linked into the mapping right after its parent (so a concurrent zap visits the
     * parent first) and gets the parent's PTEs if it is VM_PFNMAP or VM_MIXEDMAP
     * ({@code copy_page_range}, when {@code vma_needs_copy} says so; a shared file mapping without
     * either flag is refaulted in the child instead); then each copy gets {@code ->open} (docs/linux.md, "fork", on this order). Pieces of one mapping share one new id in the child.
     */
    void dupInto(Mm child) {
        mmapLock.writeLock();
        child.mmapLock.writeLock();
        try {
            Map<String, String> newIds = new HashMap<>();
            List<Vma> copies = new ArrayList<>();
            for (Vma v : vmas.values()) {
                if (v.has(VmaFlag.DONTCOPY)) {
                    continue;
                }
                boolean first = !newIds.containsKey(v.id());
                String id = newIds.computeIfAbsent(v.id(), k -> kernel().nextVmaId());
                Vma c = v.copy(id, child);
                if (first) {
                    c.setForkOrigin(v.id());
                }
                if (c.file() != null) {
                    c.file().get();
                }
                child.vmas.put(c.start(), c);
                if (v.linkedInto != null) {
                    v.linkedInto.link(c);
                }
                Interleave.point("dup_mmap linked", c.id());
                if (v.has(VmaFlag.PFNMAP) || v.has(VmaFlag.MIXEDMAP)) {
                    copyPtes(v, child, c);
                }
                copies.add(c);
            }
            // ->open once every VMA is copied, so that the open of a piece sees all the pieces of its
            // mapping (a split VMA) with their PTEs; the child runs nothing before fork returns.
            // dup_mmap calls ->open first, then links the copy, then copy_page_range; why this order
            // is equivalent for revoke: docs/linux.md, "fork".
            Interleave.point("dup_mmap copied", child.owner.pid() + "");
            for (Vma c : copies) {
                if (c.vmOps() != null) {
                    c.vmOps().open(c);
                }
                c.setForkOrigin(null);
            }
            child.nextAddr = nextAddr;
        } finally {
            child.mmapLock.writeUnlock();
            mmapLock.writeUnlock();
        }
    }

    private void copyPtes(Vma from, Mm child, Vma to) {
        pageTable.lock().writeLock();
        child.pageTable.lock().writeLock();
        try {
            Interleave.point("copy_page_range", from.id());
            pageTable.copyTo(child.pageTable, from.start() / Kernel.PAGE_SIZE, from.pages());
        } finally {
            child.pageTable.lock().writeUnlock();
            pageTable.lock().writeUnlock();
        }
    }

    /**
     * {@code exit_mmap}: zaps every VMA, unlinks it from its mapping before the page table is freed
     * (so a concurrent zap never walks a freed table), closes it and drops its file reference.
     */
    void exit() {
        mmapLock.writeLock();
        try {
            for (Vma v : new ArrayList<>(vmas.values())) {
                removeVma(v);
            }
            pageTable.lock().writeLock();
            try {
                pageTable.free();
            } finally {
                pageTable.lock().writeUnlock();
            }
            dead = true;
        } finally {
            mmapLock.writeUnlock();
        }
    }

    // ---------------------------------------------------------------- access

    /**
     * A load or store at {@code addr}: SIGSEGV outside any VMA or against its protection; a present
     * PTE is used under the page table lock (so an access never uses a PTE a zap has removed); a store
     * to a present read-only PTE of a writable VMA is a write-protect fault ({@link #doWpPage});
     * otherwise {@code ->fault}, then retry. SIGBUS when a fault says so, when there is no
     * {@code ->fault}, or when the PFN has no memory behind it.
     */
    MemoryAccess access(long addr, boolean write, long value) {
        mmapLock.readLock();
        try {
            Vma vma = dead ? null : findVma(addr);
            if (vma == null || (write ? !vma.has(VmaFlag.WRITE) : !vma.has(VmaFlag.READ))) {
                return MemoryAccess.raise(Signal.SIGSEGV);
            }
            long pageAddr = addr - addr % Kernel.PAGE_SIZE;
            long vpn = pageAddr / Kernel.PAGE_SIZE;
            long[] writeProtected = new long[1];
            for (int attempt = 0; attempt < FAULT_RETRY_LIMIT; attempt++) {
                writeProtected[0] = 0;
                MemoryAccess hit = accessPresent(vpn, write, value, writeProtected);
                if (hit != null) {
                    return hit;
                }
                FaultResult r;
                if (writeProtected[0] != 0) {
                    Interleave.point("wp fault", vma.id());
                    r = doWpPage(vma, pageAddr, writeProtected[0]);
                } else {
                    VmOperations ops = vma.vmOps();
                    if (ops == null) {
                        return MemoryAccess.raise(Signal.SIGBUS);
                    }
                    Interleave.point("fault", vma.id());
                    r = ops.fault(new VmFault(vma, pageAddr, write));
                }
                if (r == FaultResult.SIGBUS) {
                    return MemoryAccess.raise(Signal.SIGBUS);
                }
                // The fault returned; the access retries (a zap may run first: R02).
                Interleave.point("fault done", vma.id());
            }
            throw new IllegalStateException("fault at 0x" + Long.toHexString(addr) + " in " + vma
                    + " returned NOPAGE " + FAULT_RETRY_LIMIT + " times without installing a PTE");
        } finally {
            mmapLock.readUnlock();
        }
    }

    /**
     * The access through a present PTE, or null when none is present. A store to a present read-only
     * PTE is null too, with the entry left in {@code writeProtected[0]} (a write-protect fault to take).
     */
    private MemoryAccess accessPresent(long vpn, boolean write, long value, long[] writeProtected) {
        pageTable.lock().writeLock();
        try {
            long e = pageTable.lookup(vpn);
            if (e == 0) {
                return null;
            }
            if (write && !PageTable.isWritable(e)) {
                writeProtected[0] = e;
                return null;
            }
            long pfn = PageTable.pfnOf(e);
            PhysicalMemory phys = kernel().physicalMemory();
            if (write) {
                return phys.store(pfn, value) ? MemoryAccess.ok(0) : MemoryAccess.raise(Signal.SIGBUS);
            }
            boolean[] ok = new boolean[1];
            long word = phys.load(pfn, ok);
            return ok[0] ? MemoryAccess.ok(word) : MemoryAccess.raise(Signal.SIGBUS);
        } finally {
            pageTable.lock().writeUnlock();
        }
    }

    /**
     * {@code do_wp_page} in a shared writable VMA (the only kind the simulation maps): a store found
     * the present, read-only PTE {@code entry}. {@code vm_normal_page} decides the path:
     * <ul>
     *   <li>no {@code struct page} (every page of a VM_PFNMAP VMA; an MMIO page of a VM_MIXEDMAP one):
     *       {@code wp_pfn_shared}, which calls {@code ->pfn_mkwrite} if there is one (there is none in
     *       the simulation, and {@code kernfs_vm_ops} has none) and otherwise just makes the PTE
     *       writable ({@code wp_page_reuse}): the driver is not called;</li>
     *   <li>a normal page (RAM in a VM_MIXEDMAP VMA): {@code wp_page_shared}: {@code ->page_mkwrite}
     *       through {@code do_page_mkwrite}, with the page table lock dropped and FAULT_FLAG_WRITE
     *       set, then {@code finish_mkwrite_fault} makes the PTE writable if it is still the one that
     *       faulted ({@code pte_same}).</li>
     * </ul>
     * Returns SIGBUS, or NOPAGE to retry the access.
     */
    private FaultResult doWpPage(Vma vma, long pageAddr, long entry) {
        long pfn = PageTable.pfnOf(entry);
        boolean normalPage = !vma.has(VmaFlag.PFNMAP) && kernel().physicalMemory().isRam(pfn);
        VmOperations ops = vma.vmOps();
        if (normalPage && ops != null && ops.hasPageMkwrite()) {
            FaultResult r = ops.pageMkwrite(new VmFault(vma, pageAddr, true));
            if (r != FaultResult.OK) {
                return r;
            }
        }
        pageTable.lock().writeLock();
        try {
            if (!pageTable.isFreed()) {
                pageTable.mkwrite(pageAddr / Kernel.PAGE_SIZE, entry);
            }
        } finally {
            pageTable.lock().writeUnlock();
        }
        return FaultResult.NOPAGE;
    }

    /** {@code generic_access_phys}: through the present PTE only; EINVAL when there is none. */
    Result<Long> accessPhys(long addr, long value, boolean write) {
        // follow_pte finds no PTE, or a read-only one for a write: EINVAL.
        MemoryAccess a = accessPresent(addr / Kernel.PAGE_SIZE, write, value, new long[1]);
        if (a == null) {
            return Result.err(Errno.EINVAL);
        }
        return a.isOk() ? Result.ok(a.value()) : Result.err(Errno.EIO);
    }

    /**
     * {@code access_remote_vm} for ptrace and /proc/pid/mem, with this mm's {@code mmap_lock} held for
     * reading: a VMA with vm_ops goes through {@code ->access} (in Linux only after
     * {@code get_user_page_vma_remote} failed, as it does for VM_IO / VM_PFNMAP pages; a normal page
     * of a VM_MIXEDMAP VMA is reached by GUP there, which the simulation does not model); EIO where
     * nothing is mapped or there are no vm_ops.
     */
    Result<Long> accessRemote(long addr, long value, boolean write) {
        mmapLock.readLock();
        try {
            Vma vma = dead ? null : findVma(addr);
            if (vma == null) {
                return Result.err(Errno.EIO);
            }
            if (vma.vmOps() == null) {
                return Result.err(Errno.EIO);
            }
            return vma.vmOps().access(vma, addr, value, write);
        } finally {
            mmapLock.readUnlock();
        }
    }

    /** Installs one PTE for a fault handler ({@code vmf_insert_pfn}). */
    void installPte(Vma vma, long address, long pfn) {
        install(vma, (address - vma.start()) / Kernel.PAGE_SIZE, pfn, 1, "insert_pfn", null);
    }

    /** {@link #installPte} if {@code allowed} holds under the page table lock; see {@link VmFault#insertPfnIf}. */
    boolean installPteIf(Vma vma, long address, long pfn, BooleanSupplier allowed) {
        return install(vma, (address - vma.start()) / Kernel.PAGE_SIZE, pfn, 1, "insert_pfn", allowed) >= 0;
    }

    /**
     * {@code remap_pfn_range}: installs PTEs for {@code pages} pages of {@code vma} from page index
     * {@code firstPage}, mapping to consecutive PFNs from {@code pfn}. Returns the PTEs installed.
     */
    public long remapPfnRange(Vma vma, long firstPage, long pfn, long pages) {
        return install(vma, firstPage, pfn, pages, "remap_pfn_range", null);
    }

    /**
     * {@link #remapPfnRange} with a last check: {@code allowed} is evaluated under the page table lock
     * and nothing is installed when it is false (returns 0). For eager population after link that
     * must not race a state change followed by a zap (see {@link VmFault#insertPfnIf}).
     */
    public long remapPfnRangeIf(Vma vma, long firstPage, long pfn, long pages, BooleanSupplier allowed) {
        return Math.max(0, install(vma, firstPage, pfn, pages, "remap_pfn_range", allowed));
    }

    /**
     * Installs PTEs for pages {@code [firstPage, firstPage + pages)} of {@code vma} under the page table
     * lock. With a condition, it is evaluated under the lock and -1 returned when it is false (or the
     * table is gone); without one, a freed table throws (a use after free). Returns the PTEs installed.
     */
    private long install(Vma vma, long firstPage, long pfn, long pages, String label, BooleanSupplier allowed) {
        if (firstPage < 0 || firstPage + pages > vma.pages()) {
            throw new IllegalArgumentException(label + " beyond " + vma + ": pages " + firstPage + "+" + pages);
        }
        pageTable.lock().writeLock();
        try {
            Interleave.point(label, vma.id());
            if (allowed != null && (pageTable.isFreed() || !allowed.getAsBoolean())) {
                return -1;
            }
            long vpn = vma.start() / Kernel.PAGE_SIZE + firstPage;
            long n = 0;
            for (long i = 0; i < pages; i++) {
                if (pageTable.install(vpn + i, pfn + i, vma.installsWritable())) {
                    n++;
                }
            }
            return n;
        } finally {
            pageTable.lock().writeUnlock();
        }
    }

    boolean isDead() {
        return dead;
    }
}
