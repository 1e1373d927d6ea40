package io.revokefs.core.conformance;

/**
 * The cases of the conformance suite: the rows of docs/semantics.md section 4 and the docs/races.md cases that
 * can be stated for any adapter. An adapter declares the ones that do not apply to it, with the
 * reason, in {@link AdapterFixture#notApplicable()}; docs/conformance.md lists them per adapter.
 */
public enum Case {
    ROW_OPEN,
    ROW_READ_WRITE,
    ROW_POLL,
    ROW_IOCTL,
    ROW_LLSEEK,
    ROW_MMAP,
    /** The section 4 vm fault row: an access after revoke raises SIGBUS, the VMA stays. */
    ROW_FAULT,
    /** Read in flight when revoke starts. */
    R01,
    /** Fault in flight when revoke starts (needs a fault handler that installs a PFN). */
    R02,
    /** mmap racing revoke. */
    R03,
    /** Close racing revoke, both orders. */
    R05,
    /** Close after revoke (the section 4 close row). */
    R06,
    /** Fork after revoke (the section 4 vm open row). */
    R08,
    /** Fork racing revoke. */
    R09,
    /** Partial munmap, then revoke. */
    R10,
    /** mremap, then revoke. */
    R11,
    /** A reader blocked waiting for an event wakes with EIO. */
    R17,
    /** A poll waiter wakes with the adapter's error bits. */
    R19,
    /** ptrace access after revoke (the section 4 vm access row). */
    R20,
    /** Many threads while revoke runs. */
    R21,
    /** Revoke twice, or racing itself. */
    R22,
    /** Process exit while revoke is zapping its VMAs, both ways round. */
    R24,
    /** munmap racing revoke's vm close step (needs {@link AdapterFixture.Subject#vmCloses()}). */
    R25,
    /** Fork or split racing revoke's vm close step (needs {@link AdapterFixture.Subject#vmCloses()}). */
    R26,
    /** Exit racing revoke's vm close step (needs {@link AdapterFixture.Subject#vmCloses()}). */
    R27,
    /** Memory off racing a fault (needs {@link AdapterFixture.Subject#memory()}). */
    R28,
    /** Memory on racing a fault and an mmap (needs {@link AdapterFixture.Subject#memory()}). */
    R29,
    /** A reset or memory toggle racing the permanent revoke (needs {@link AdapterFixture.Subject#memory()}). */
    R30
}
