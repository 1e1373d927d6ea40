package io.revokefs.procfs;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.Inode;

/**
 * A proc entry ({@code struct proc_dir_entry} of a regular file): its path, its revocable object
 * and its inode. Handed out by {@link ProcFs#procCreate}; stays valid after removal (the object is
 * then revoked).
 */
public final class ProcEntry {
    private final String path;
    private final RevocableObject object;
    private final Inode inode;
    private final Object data;

    ProcEntry(String path, RevocableObject object, Inode inode, Object data) {
        this.path = path;
        this.object = object;
        this.inode = inode;
        this.data = data;
    }

    public String path() {
        return path;
    }

    /** The revocable object (id {@code procfs:<path>}). */
    public RevocableObject object() {
        return object;
    }

    /** The inode; opening it after removal fails with ENOENT as {@code proc_reg_open} does. */
    public Inode inode() {
        return inode;
    }

    /** {@code pde_data}. */
    public Object data() {
        return data;
    }

    /** A wait queue for the entry's blocking operations; the removal wakes it for good. */
    public WaitQueue newWaitQueue(String name) {
        return object.newWaitQueue(name);
    }

    public boolean isRemoved() {
        return object.isRevoked();
    }

    @Override
    public String toString() {
        return path;
    }
}
