package io.revokefs.kernel;

/** Capabilities the simulation checks. */
public enum Capability {
    /** Raw I/O: opening /dev/mem. */
    CAP_SYS_RAWIO,
    /** Administration: writing PCI config, removing devices through sysfs. */
    CAP_SYS_ADMIN
}
