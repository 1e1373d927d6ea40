package io.revokefs.kernel;

import io.revokefs.kernel.Signal;
import io.revokefs.kernel.internal.Interleave;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code struct file}: one open of an inode. Referenced by file descriptors (the opener's, and its
 * children's after fork) and by every VMA that maps it; {@code ->release} runs when the last
 * reference goes ({@code __fput}), not at {@code close(2)} while a mapping remains.
 */
public final class OpenFile {
    private final String id;
    private final Inode inode;
    private final Process opener;
    private final boolean readOnly;
    private final FileOperations fop;
    private volatile AddressSpace mapping;
    private volatile long position;
    private volatile Object privateData;
    private volatile boolean fasync;
    /** {@code FMODE_LSEEK}: set at open; a driver's open clears it for a file that cannot seek. */
    private volatile boolean seekable = true;
    private volatile Process owner;
    private final AtomicInteger refs = new AtomicInteger(1);
    /** Footprint key (Interleave.touch) of the mutable fields above: its id, fixed at open. */
    private final String key;

    OpenFile(String id, Inode inode, Process opener, boolean readOnly) {
        this.id = id;
        this.key = "open file " + id;
        this.inode = inode;
        this.opener = opener;
        this.readOnly = readOnly;
        this.fop = inode.fop();
        this.mapping = inode.mapping();
    }

    /** The file's id in events ({@code file-N}). */
    public String id() {
        return id;
    }

    public Inode inode() {
        return inode;
    }

    /** The process that opened the file. */
    public Process opener() {
        return opener;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@code f_op}. */
    public FileOperations fop() {
        return fop;
    }

    /** {@code f_mapping}: the inode's mapping unless the driver's open replaced it. */
    public AddressSpace mapping() {
        Interleave.touch(key, false);
        return mapping;
    }

    /** For {@code ->open}: {@code filp->f_mapping = ...} (as /dev/mem does with the iomem mapping). */
    public void setMapping(AddressSpace m) {
        Interleave.touch(key, true);
        this.mapping = m;
    }

    public long position() {
        Interleave.touch(key, false);
        return position;
    }

    public void setPosition(long pos) {
        Interleave.touch(key, true);
        this.position = pos;
    }

    /** {@code private_data}. */
    public Object privateData() {
        Interleave.touch(key, false);
        return privateData;
    }

    public void setPrivateData(Object data) {
        Interleave.touch(key, true);
        this.privateData = data;
    }

    /** Whether {@code FMODE_LSEEK} is set: {@code vfs_llseek} fails with ESPIPE otherwise. */
    public boolean seekable() {
        Interleave.touch(key, false);
        return seekable;
    }

    /** {@code file->f_mode &= ~FMODE_LSEEK}, from a driver's open ({@code proc_reg_open}, {@code nonseekable_open}). */
    public void clearSeekable() {
        Interleave.touch(key, true);
        this.seekable = false;
    }

    /** Whether {@code FASYNC} notification is on; revoke turns it off. */
    public boolean fasync() {
        Interleave.touch(key, false);
        return fasync;
    }

    public void setFasync(boolean on) {
        Interleave.touch(key, true);
        this.fasync = on;
    }

    /** {@code f_owner}: the process {@code fcntl(F_SETOWN)} named to receive SIGIO, or null. */
    public Process owner() {
        Interleave.touch(key, false);
        return owner;
    }

    /** {@code fcntl(F_SETOWN)}. */
    public void setOwner(Process p) {
        Interleave.touch(key, true);
        this.owner = p;
    }

    /**
     * {@code kill_fasync(&fa, SIGIO, band)}: queues SIGIO with {@code band} as its {@code si_code} to
     * the file's owner if O_ASYNC is on and an owner is set ({@code send_sigio}). Returns whether it
     * sent one.
     */
    public boolean killFasync(SigPoll band) {
        Interleave.touch(key, false);
        Process p = owner;
        if (!fasync || p == null) {
            return false;
        }
        p.queueSignal(new PendingSignal(Signal.SIGIO, band, id));
        return true;
    }

    /** {@code get_file}. */
    void get() {
        Interleave.touch(key, true);
        if (refs.getAndIncrement() <= 0) {
            throw new IllegalStateException("get_file on a freed file " + id);
        }
    }

    /** {@code fput}: the last put runs {@code ->release}. */
    void put() {
        Interleave.touch(key, true);
        int left = refs.decrementAndGet();
        if (left == 0) {
            fop.release(this);
        } else if (left < 0) {
            throw new IllegalStateException("fput on a freed file " + id);
        }
    }

    /** References held (descriptors and VMAs). */
    public int refCount() {
        Interleave.touch(key, false);
        return refs.get();
    }

    @Override
    public String toString() {
        return id + "(" + inode.path() + ")";
    }
}
