package io.revokefs.kernel;

/** The signals the simulation raises: on a memory access, and to the owner of an O_ASYNC file. */
public enum Signal {
    /** The address is mapped but the page cannot be provided (revoked, beyond the object, no fault handler). */
    SIGBUS,
    /** No VMA covers the address, or the VMA does not allow the access. */
    SIGSEGV,
    /**
     * I/O is possible, or the device is gone: {@code kill_fasync} sends it to the owner
     * ({@code F_SETOWN}) of every file with O_ASYNC on; its {@code si_code} says why
     * ({@link io.revokefs.kernel.SigPoll}).
     */
    SIGIO
}
