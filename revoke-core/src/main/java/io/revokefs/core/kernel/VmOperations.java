package io.revokefs.core.kernel;

import io.revokefs.core.Errno;
import io.revokefs.core.FaultResult;
import io.revokefs.core.Result;

/**
 * {@code struct vm_operations_struct}: what a driver does for the VMAs it maps. Every method has the
 * kernel's behaviour when the driver leaves the pointer NULL.
 */
public interface VmOperations {

    /** A copy of the VMA was made: fork ({@code dup_mmap}) or split ({@code __split_vma}). */
    default void open(Vma vma) {
    }

    /** The VMA (or a piece of it) is being removed: munmap, exit. */
    default void close(Vma vma) {
    }

    /**
     * Whether the driver has a {@code ->close}. {@code kernfs_fop_mmap} refuses such drivers with
     * EINVAL; the revocable wrapper accepts them and closes each VMA once (docs/semantics.md section 9)
     * unless the adapter asked for kernfs's refusal ({@code ObjectBuilder.refuseVmClose()}).
     */
    default boolean hasClose() {
        return false;
    }

    /**
     * An access found no PTE. Install one with {@link VmFault#insertPfn} and return
     * {@link FaultResult#NOPAGE}, or return {@link FaultResult#SIGBUS}. A NULL {@code ->fault} means SIGBUS
     * ({@code do_fault}: VM_FAULT_SIGBUS for a VMA without {@code ->fault} and no PTE).
     */
    default FaultResult fault(VmFault vmf) {
        return FaultResult.SIGBUS;
    }

    /**
     * Whether the driver has a {@code ->page_mkwrite}. A shared writable VMA whose vm_ops has one gets
     * read-only PTEs ({@code vma_wants_writenotify}, {@code vma_set_page_prot}), so the first store to
     * each page takes a write-protect fault.
     */
    default boolean hasPageMkwrite() {
        return false;
    }

    /**
     * {@code ->page_mkwrite}: a store hit a read-only PTE of a normal page (one with a
     * {@code struct page}: RAM in a VM_MIXEDMAP VMA, never a VM_PFNMAP page) of a shared writable
     * mapping; {@code do_wp_page} calls it through {@code wp_page_shared} and {@code do_page_mkwrite},
     * with {@code vmf->flags} carrying FAULT_FLAG_WRITE. {@link FaultResult#OK} lets the PTE become
     * writable ({@code finish_mkwrite_fault}), {@link FaultResult#SIGBUS} raises SIGBUS,
     * {@link FaultResult#NOPAGE} retries the access. Called only when {@link #hasPageMkwrite()}.
     */
    default FaultResult pageMkwrite(VmFault vmf) {
        return FaultResult.OK;
    }

    /**
     * {@code ->access}: ptrace and /proc/pid/mem on a VM_IO or VM_PFNMAP VMA; reads (or writes) the
     * word of the page at {@code addr}. Without it the access fails with EIO ({@code __access_remote_vm}
     * copies nothing, and {@code generic_ptrace_peekdata} / {@code mem_rw} answer EIO).
     */
    default Result<Long> access(Vma vma, long addr, long value, boolean write) {
        return Result.err(Errno.EIO);
    }

    /**
     * {@code ->set_policy}: {@code mbind(2)} is setting {@code policy} on {@code vma}; an error refuses
     * it. Without one the kernel just stores it in {@code vm_policy} ({@code vma_replace_policy}).
     */
    default Result<Void> setPolicy(Vma vma, MemPolicy policy) {
        return Result.ok();
    }

    /**
     * {@code ->get_policy}: the policy in force at {@code addr}. Without one the kernel uses the
     * VMA's own {@code vm_policy} ({@code __get_vma_policy}).
     */
    default MemPolicy getPolicy(Vma vma, long addr) {
        return vma.policy();
    }

    /** {@code ->may_split}: whether {@code vma} may be split at {@code addr}; EINVAL refuses. */
    default Result<Void> maySplit(Vma vma, long addr) {
        return Result.ok();
    }

    /** {@code ->mremap}: the VMA moved; an error undoes the move. */
    default Result<Void> mremap(Vma vma) {
        return Result.ok();
    }

    /**
     * revokefs extension, no mainline counterpart (the 2026 proposal "mm: add vm_ops->mapped hook"
     * adds one called once the mapping is established, docs/linux.md row 1): the VMA has just been
     * linked into its mapping's
     * {@code i_mmap}, with the mm's {@code mmap_lock} held (for writing at mmap, for reading when a
     * disabled mapping is re-enabled, see {@code RevocableObject#repopulateMappings}). The place to populate
     * eagerly: a concurrent {@code unmap_mapping_range} now finds the VMA, which it would not while
     * {@code ->mmap} runs (docs/races.md R04). Returns the pages populated.
     */
    default long mapped(Vma vma) {
        return 0;
    }

    /**
     * {@code generic_access_phys}: follows the PTE at {@code addr} and reads or writes the physical
     * page. EINVAL when no PTE is present, as {@code follow_pte} fails.
     */
    static Result<Long> genericAccessPhys(Vma vma, long addr, long value, boolean write) {
        return vma.mm().accessPhys(addr, value, write);
    }
}
