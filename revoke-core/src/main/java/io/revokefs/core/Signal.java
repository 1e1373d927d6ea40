package io.revokefs.core;

/** The signals a memory access can raise in the simulation. */
public enum Signal {
    /** The address is mapped but the page cannot be provided (revoked, beyond the object, no fault handler). */
    SIGBUS,
    /** No VMA covers the address, or the VMA does not allow the access. */
    SIGSEGV
}
