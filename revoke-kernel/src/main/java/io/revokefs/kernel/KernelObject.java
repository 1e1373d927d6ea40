package io.revokefs.kernel;

/**
 * What the kernel keeps of a registered revocable object: its name and whether its revoke has
 * begun, so that one name names one live object at a time (as a kernfs or procfs name names one
 * node: kernfs_add_one refuses a name already in the parent with -EEXIST). The revoke library's
 * {@code RevocableObject} is the one implementation.
 */
public interface KernelObject {
    /** The object's id: {@code ADAPTER:PATH}. */
    String id();

    /** The adapter that registered it. */
    String adapter();

    /** The kernel it belongs to. */
    Kernel kernel();

    /** Its {@code address_space}: the mapping its files' VMAs are linked into. */
    AddressSpace mapping();

    /** Whether its revoke has begun (a new life under the same id may then start). */
    boolean isRevoked();
}
