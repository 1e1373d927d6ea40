package io.revokefs.sysfs;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.core.ObjectBuilder;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PollTable;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One sysfs file (a kernfs attribute node): a revocable object of the core with the kernfs errno
 * table, and the inode userspace opens. Its path in sysfs ({@code /devices/.../resource0}) names the
 * object ({@code sysfs:/devices/.../resource0}); the inode is bound at that path under
 * {@value Sysfs#MOUNT} and at every path a symlink gives it.
 *
 * <p>After removal the file is gone from the namespace (open by path: ENOENT) and revoked (anyone
 * holding the inode, an open file or a mapping gets the sysfs column of docs/semantics.md section 4).
 *
 * <p>Poll ({@code kernfs_generic_poll}): the file keeps an event counter ({@code kernfs_open_node.event},
 * starting at 1) and each open file the value it last saw ({@code of->event}, 0 at open, set by any
 * read: {@code kernfs_seq_show} for a text attribute, {@code kernfs_file_read_iter} before
 * {@code ->read} for a binary one). A poll returns {@code DEFAULT_POLLMASK}
 * while the two agree and adds {@code POLLERR|POLLPRI} once they differ; {@link #notifyPollers()}
 * ({@code kernfs_notify}, what {@code sysfs_notify} ends in) bumps the counter and wakes the sleepers.
 * So userspace reads, then polls for {@code POLLPRI}; a file not read since open polls as changed.
 * The poll queue is one of the object's wait queues: the removal wakes its sleepers, and their poll
 * then returns the kernfs post-revoke mask. (Linux's {@code kernfs_drain_open_files} does not wake
 * {@code on->poll}: there a poller of a removed attribute sleeps until its timeout.)
 */
public final class SysfsFile {
    private final Sysfs sysfs;
    private final String path;
    private final RevocableObject object;
    private final Inode inode;
    /** Kernel paths the inode is bound at; changed under the sysfs tree lock. */
    private final List<String> boundAt = new CopyOnWriteArrayList<>();
    /** {@code kernfs_open_node.event}. */
    private final AtomicInteger event = new AtomicInteger(1);
    /** {@code kernfs_open_node.poll}; the object's queue, so the revoke wakes it. */
    private final WaitQueue pollQueue;

    /** What {@code kernfs_generic_poll} adds once the file changed since the opener last read it. */
    private static final Set<PollBit> CHANGED = PollBit.union(PollBit.DEFAULT_POLLMASK, PollBit.POLLERR, PollBit.POLLPRI);

    SysfsFile(Sysfs sysfs, String path, int mode, Function<SysfsFile, FileOperations> driver,
              Supplier<RevocableObject.ZapRange> zapRange) {
        this.sysfs = sysfs;
        this.path = Objects.requireNonNull(path, "path");
        ObjectBuilder b = RevocableObject.builder(sysfs.kernel(), Sysfs.OBJECT_PREFIX + path, Sysfs.ADAPTER)
                .refuseVmClose() // as kernfs_fop_mmap: a vm_ops with ->close is EINVAL
                .operations(driver.apply(this))
                .errnos(ErrnoTable.KERNFS);
        if (zapRange != null) {
            b.zapRange(zapRange);
        }
        this.object = b.register();
        this.inode = sysfs.kernel().newInode(Sysfs.MOUNT + path, mode, 0, object.fileOperations(), object.mapping(), this);
        this.pollQueue = object.newWaitQueue("poll");
    }

    /** The path inside sysfs, e.g. {@code /devices/pci0000:00/0000:00:02.0/resource0}. */
    public String path() {
        return path;
    }

    /** The revocable object's id in events: {@code sysfs:} and the path. */
    public String objectId() {
        return object.id();
    }

    /** The inode; held inodes outlive removal (an open of one after removal is ENODEV). */
    public Inode inode() {
        return inode;
    }

    /** The kernel paths the file is reachable at now (none once removed). */
    public List<String> kernelPaths() {
        return List.copyOf(boundAt);
    }

    /** Whether the file has been removed (and so revoked, or being revoked). */
    public boolean isRemoved() {
        return object.isRevoked();
    }

    /**
     * {@code kernfs_remove_self}: removes this file from inside one of its own operations (a store to
     * {@code remove}) without waiting for that operation itself. Gives up the caller's active
     * reference for the removal ({@code kernfs_break_active_protection}) and takes it back before
     * returning. Returns true for the one caller that removed the file; a concurrent second caller
     * waits until the removal is complete and returns false. The caller must then not touch the
     * driver state the file stood for, except to finish removing it.
     *
     * <p>Must be called on the thread running an operation of this file.
     */
    public boolean removeSelf() {
        return object.withProtectionBroken(() -> sysfs.removeFile(this, "remove"));
    }

    /**
     * {@code kernfs_notify} ({@code sysfs_notify} of this attribute): the value changed; every poller
     * wakes and sees {@code POLLERR|POLLPRI}. Callable from any thread, also after removal (then it
     * changes nothing a poller could see: its poll returns the post-revoke mask).
     */
    public void notifyPollers() {
        event.incrementAndGet();
        pollQueue.wakeUp();
    }

    /**
     * What an open file of this attribute keeps: {@code of->event} ({@code kernfs_open_file}) and, for
     * a text attribute, its {@code seq_file}'s buffer.
     */
    static final class OpenState {
        final AtomicInteger seen = new AtomicInteger();
        /** The seq_file's buffer: null until the first {@code ->show}, or after one failed. */
        volatile SeqBuffer seq;
    }

    /**
     * A {@code seq_file} buffer of a single-record file: the text of the last {@code ->show} and
     * {@code m->read_pos}, where the last read ended.
     */
    record SeqBuffer(byte[] text, long readPos) {
    }

    /** {@code ->open}'s share of {@code kernfs_fop_open}: the open file's {@code of->event}, 0. */
    void opened(OpenFile file) {
        file.setPrivateData(new OpenState());
    }

    /**
     * {@code kernfs_seq_show} (text) or {@code kernfs_file_read_iter} (binary): the opener has now seen
     * the value as of the current event.
     */
    void shown(OpenFile file) {
        seen(file).set(event.get());
    }

    /** {@code kernfs_generic_poll}. */
    Set<PollBit> poll(OpenFile file, PollTable table) {
        table.pollWait(pollQueue);
        return seen(file).get() != event.get() ? CHANGED : PollBit.DEFAULT_POLLMASK;
    }

    private static AtomicInteger seen(OpenFile file) {
        return state(file).seen;
    }

    static OpenState state(OpenFile file) {
        if (file.privateData() instanceof OpenState state) {
            return state;
        }
        throw new IllegalStateException(file + " was not opened through its sysfs file operations");
    }

    RevocableObject object() {
        return object;
    }

    List<String> boundAtMutable() {
        return boundAt;
    }

    @Override
    public String toString() {
        return object.id();
    }
}
