package io.revokefs.kernel;

/**
 * What a {@code vm_ops->fault} handler reports, as the kernel's {@code vm_fault_t}. A handler that
 * installs a PFN itself ({@code vmf_insert_pfn}) returns {@link #NOPAGE}.
 */
public enum FaultResult {
    /** The handler installed the page table entry; retry the access ({@code VM_FAULT_NOPAGE}). */
    NOPAGE,
    /**
     * {@code ->page_mkwrite} only: the page may become writable (0 or {@code VM_FAULT_LOCKED} in the
     * kernel); {@code finish_mkwrite_fault} then makes the PTE writable. Not a {@code ->fault} result.
     */
    OK,
    /** The page cannot be provided: the access raises SIGBUS ({@code VM_FAULT_SIGBUS}). */
    SIGBUS
}
