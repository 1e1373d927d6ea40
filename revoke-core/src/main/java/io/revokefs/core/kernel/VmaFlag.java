package io.revokefs.core.kernel;

/** VMA flags ({@code VM_*}) the simulation models. */
public enum VmaFlag {
    READ,
    WRITE,
    SHARED,
    /** Pages are raw PFNs with no struct page: fork copies the PTEs, faults must insert PFNs. */
    PFNMAP,
    /** Memory-mapped I/O: get_user_pages refuses it; ptrace goes through vm_ops->access. */
    IO,
    /** Not copied into a child at fork. */
    DONTCOPY,
    /** The mapping may not grow with mremap. */
    DONTEXPAND
}
