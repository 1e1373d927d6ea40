package io.revokefs.kernel;

import io.revokefs.kernel.FaultResult;

import java.util.function.BooleanSupplier;

/**
 * {@code struct vm_fault}: one fault being handled. A handler installs the page with
 * {@link #insertPfn}, which takes the page table lock as {@code vmf_insert_pfn} does.
 *
 * @param vma the faulting VMA
 * @param address the faulting address, page aligned
 * @param write whether the access was a store
 */
public record VmFault(Vma vma, long address, boolean write) {

    /** The file page the fault is for: {@code vmf->pgoff}. */
    public long pgoff() {
        return vma.pgoffAt(address);
    }

    /**
     * {@code vmf_insert_pfn}: installs a PTE mapping {@link #address()} to {@code pfn}, writable if the
     * VMA is. An entry already present (a racing fault won) is left alone. Returns
     * {@link FaultResult#NOPAGE}.
     */
    public FaultResult insertPfn(long pfn) {
        vma.mm().installPte(vma, address, pfn);
        return FaultResult.NOPAGE;
    }

    /**
     * {@code vmf_insert_pfn} with a last check: installs the PTE only if {@code stillAllowed} holds
     * when evaluated under the page table lock, and returns {@link FaultResult#SIGBUS} otherwise.
     *
     * <p>Why: a handler that checks a condition ("the range is not claimed by a driver") and then
     * inserts races with whoever falsifies the condition and then zaps ({@code __request_region}
     * followed by {@code revoke_iomem}). Every zap of this VMA takes the same page table lock, so with
     * the check under it either the zap runs after the insert and removes the PTE, or the condition's
     * change is visible to the check. The condition must not take a simulated lock ordered before the
     * page table lock; plain Java monitors are fine.
     */
    public FaultResult insertPfnIf(long pfn, BooleanSupplier stillAllowed) {
        return vma.mm().installPteIf(vma, address, pfn, stillAllowed) ? FaultResult.NOPAGE : FaultResult.SIGBUS;
    }
}
