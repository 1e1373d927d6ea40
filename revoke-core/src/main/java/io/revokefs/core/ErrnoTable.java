package io.revokefs.core;

import java.util.Objects;
import java.util.Set;

/**
 * What each operation of a revocable object returns once the object is revoked (SEMANTICS.md
 * section 4): one column of that table, declared by each adapter.
 *
 * @param open the errno of an open
 * @param read the errno of a read
 * @param write the errno of a write
 * @param poll the mask a poll returns
 * @param ioctl the errno of an ioctl, or {@code null} when the adapter's ioctl is not guarded (the
 *     VFS default runs: ENOTTY for a file without ioctl)
 * @param llseek the errno of an llseek, or {@code null} when llseek is not guarded (uio's
 *     {@code noop_llseek} keeps working after unregister)
 * @param mmap the errno of an mmap
 * @param access the errno of a ptrace access to a mapping
 */
public record ErrnoTable(Errno open, Errno read, Errno write, Set<PollBit> poll, Errno ioctl, Errno llseek,
                         Errno mmap, Errno access) {

    public ErrnoTable {
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(read, "read");
        Objects.requireNonNull(write, "write");
        Objects.requireNonNull(poll, "poll");
        Objects.requireNonNull(mmap, "mmap");
        Objects.requireNonNull(access, "access");
        poll = Set.copyOf(poll);
    }

    /**
     * kernfs and sysfs: what {@code kernfs_fop_*} return once {@code kernfs_get_active} fails: open,
     * read, write, llseek and mmap ENODEV ({@code kernfs_fop_open}, {@code kernfs_fop_read_iter},
     * {@code kernfs_fop_write_iter}, {@code kernfs_fop_llseek}, {@code kernfs_fop_mmap}), poll
     * {@code DEFAULT_POLLMASK|EPOLLERR|EPOLLPRI} ({@code kernfs_fop_poll}), the vm access op EINVAL
     * ({@code kernfs_vma_access}). ioctl ENOTTY, before and after removal alike:
     * {@code kernfs_file_fops} has no {@code unlocked_ioctl}, so {@code vfs_ioctl} answers ENOTTY. The
     * library still guards a driver's own ioctl and answers ENOTTY once revoked, so that no driver
     * ioctl runs after revoke.
     */
    public static final ErrnoTable KERNFS = new ErrnoTable(Errno.ENODEV, Errno.ENODEV, Errno.ENODEV,
            PollBit.union(PollBit.DEFAULT_POLLMASK, PollBit.POLLERR, PollBit.POLLPRI),
            Errno.ENOTTY, Errno.ENODEV, Errno.ENODEV, Errno.EINVAL);
}
