package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import java.util.Objects;

/**
 * {@code struct inode}: a name in the simulated filesystem with its mode, owner, file operations
 * ({@code i_fop}) and mapping ({@code i_mapping}). Several inodes may share one set of operations and
 * one mapping (a {@code mknod} alias of /dev/mem).
 */
public final class Inode {
    private final String path;
    private final int mode;
    private final int uid;
    private final FileOperations fop;
    private final AddressSpace mapping;
    private final Object privateData;
    /** How many times {@code file_update_time} ran: the simulation's mtime/ctime, a logical clock. */
    /** Footprint key (Interleave.touch) of the time counters (one for all inodes: coarse and safe). */
    private static final String TIMES_KEY = "inode times";
    private final java.util.concurrent.atomic.AtomicLong timeUpdates = new java.util.concurrent.atomic.AtomicLong();

    Inode(String path, int mode, int uid, FileOperations fop, AddressSpace mapping, Object privateData) {
        this.path = Objects.requireNonNull(path, "path");
        this.mode = mode;
        this.uid = uid;
        this.fop = Objects.requireNonNull(fop, "fop");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.privateData = privateData;
    }

    public String path() {
        return path;
    }

    /** Permission bits, e.g. {@code 0600}. */
    public int mode() {
        return mode;
    }

    public int uid() {
        return uid;
    }

    public FileOperations fop() {
        return fop;
    }

    public AddressSpace mapping() {
        return mapping;
    }

    /** {@code i_private}: what the driver attached. */
    public Object privateData() {
        return privateData;
    }

    /**
     * {@code file_update_time}: the file's mtime and ctime move on (here a counter, the simulation has
     * no clock). {@code kernfs_vma_page_mkwrite} calls it when the driver has no {@code ->page_mkwrite}.
     */
    public void fileUpdateTime() {
        Interleave.touchAdd(TIMES_KEY);
        timeUpdates.incrementAndGet();
    }

    /** How many times {@link #fileUpdateTime()} ran. */
    public long timeUpdates() {
        Interleave.touch(TIMES_KEY, false);
        return timeUpdates.get();
    }

    /**
     * {@code generic_permission} on the mode bits: root passes; the owner uses the owner bits, everyone
     * else the "other" bits (the simulation has no groups).
     */
    public boolean permits(Process p, boolean write) {
        if (p.uid() == 0) {
            return true;
        }
        int bits = p.uid() == uid ? (mode >> 6) & 7 : mode & 7;
        return write ? (bits & 2) != 0 && (bits & 4) != 0 : (bits & 4) != 0;
    }

    @Override
    public String toString() {
        return path;
    }
}
