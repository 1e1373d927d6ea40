package io.revokefs.core.kernel;

/** VMA flags ({@code VM_*}) the simulation models. */
public enum VmaFlag {
    READ,
    WRITE,
    SHARED,
    /** Pages are raw PFNs with no struct page: fork copies the PTEs, faults must insert PFNs. */
    PFNMAP,
    /**
     * Pages may be raw PFNs or normal pages ({@code vmf_insert_mixed}): {@code vm_normal_page} gives the
     * page for a PFN with a {@code struct page} (RAM here) and none for the rest (MMIO), which decides
     * whether a write-protect fault calls {@code ->page_mkwrite} ({@code do_wp_page}).
     */
    MIXEDMAP,
    /** Memory-mapped I/O: get_user_pages refuses it; ptrace goes through vm_ops->access. */
    IO,
    /** Not copied into a child at fork. */
    DONTCOPY,
    /** The mapping may not grow with mremap. */
    DONTEXPAND
}
