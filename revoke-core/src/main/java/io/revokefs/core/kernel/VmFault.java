package io.revokefs.core.kernel;

import io.revokefs.core.FaultResult;

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
}
