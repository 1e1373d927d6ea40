package io.revokefs.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What each operation of a revocable object returns once the object is revoked (docs/semantics.md
 * section 4): one column of that table, declared by each adapter. Made with a {@link #builder()} that
 * names every cell, or from a preset ({@link #KERNFS}, {@link #PROCFS}, {@link #UIO}, {@link #CDEV})
 * with {@link #toBuilder()} to change a cell:
 *
 * <pre>{@code
 * ErrnoTable mine = ErrnoTable.CDEV.toBuilder().read(Errno.EIO).build();
 * ErrnoTable all = ErrnoTable.builder()
 *         .open(Errno.ENODEV).read(Errno.ENODEV).write(Errno.ENODEV)
 *         .poll(PollBit.POLLERR, PollBit.POLLHUP).ioctl(Errno.ENODEV).llseekUnguarded()
 *         .mmap(Errno.ENODEV).access(Errno.EINVAL).build();
 * }</pre>
 *
 * Immutable; equal when every cell is.
 */
public final class ErrnoTable {

    private final Errno open;
    private final Errno read;
    private final Errno write;
    private final Set<PollBit> poll;
    private final Errno ioctl;
    private final Errno llseek;
    private final Errno mmap;
    private final Errno access;

    private ErrnoTable(Builder b) {
        this.open = b.open;
        this.read = b.read;
        this.write = b.write;
        this.poll = Set.copyOf(b.poll);
        this.ioctl = b.ioctl;
        this.llseek = b.llseek;
        this.mmap = b.mmap;
        this.access = b.access;
    }

    /**
     * kernfs and sysfs: what {@code kernfs_fop_*} return once {@code kernfs_get_active} fails: open,
     * read, write, llseek and mmap ENODEV ({@code kernfs_fop_open}, {@code kernfs_file_read_iter},
     * {@code kernfs_fop_write_iter}, {@code kernfs_fop_llseek}, {@code kernfs_fop_mmap}), poll
     * {@code DEFAULT_POLLMASK|EPOLLERR|EPOLLPRI} ({@code kernfs_fop_poll}), the vm access op EINVAL
     * ({@code kernfs_vma_access}; the ptrace or /proc/pid/mem call then sees EIO). ioctl ENOTTY, before
     * and after removal alike: {@code kernfs_file_fops} has no {@code unlocked_ioctl}, so
     * {@code vfs_ioctl} answers ENOTTY. The library still guards a driver's own ioctl and answers
     * ENOTTY once revoked, so that no driver ioctl runs after revoke.
     */
    public static final ErrnoTable KERNFS = builder()
            .open(Errno.ENODEV).read(Errno.ENODEV).write(Errno.ENODEV)
            .poll(PollBit.union(PollBit.DEFAULT_POLLMASK, PollBit.POLLERR, PollBit.POLLPRI))
            .ioctl(Errno.ENOTTY).llseek(Errno.ENODEV).mmap(Errno.ENODEV).access(Errno.EINVAL).build();

    /**
     * procfs: what {@code proc_reg_open} (ENOENT), {@code proc_reg_read}/{@code _write} (EIO),
     * {@code proc_reg_poll} ({@code DEFAULT_POLLMASK}), {@code proc_reg_unlocked_ioctl} (ENOTTY),
     * {@code proc_reg_llseek} (EINVAL) and {@code proc_reg_mmap} (EIO) return once {@code use_pde}
     * fails; the vm access op EINVAL as {@code kernfs_vma_access} answers (procfs does not wrap vm
     * operations; the ptrace or /proc/pid/mem call sees EIO). An entry without {@code proc_lseek}
     * gets ESPIPE and one without {@code proc_mmap} EIO, before and after removal (the procfs
     * adapter's {@code ProcRegOps}: {@code proc_reg_open}, {@code pde_mmap}).
     */
    public static final ErrnoTable PROCFS = builder()
            .open(Errno.ENOENT).read(Errno.EIO).write(Errno.EIO).poll(PollBit.DEFAULT_POLLMASK)
            .ioctl(Errno.ENOTTY).llseek(Errno.EINVAL).mmap(Errno.EIO).access(Errno.EINVAL).build();

    /**
     * uio after {@code uio_unregister_device}: {@code uio_open} ENODEV, {@code uio_read} EIO once
     * {@code idev->info} is gone, {@code uio_write} EINVAL (its {@code !idev->info} test comes before
     * the {@code !idev->info->irq} test that gives EIO), {@code uio_poll} EPOLLERR, ioctl and llseek
     * not guarded (uio has no ioctl; llseek is {@code noop_llseek}), {@code uio_mmap} EINVAL, the vm
     * access op EINVAL as {@code kernfs_vma_access} answers (the ptrace or /proc/pid/mem call sees EIO).
     */
    public static final ErrnoTable UIO = builder()
            .open(Errno.ENODEV).read(Errno.EIO).write(Errno.EINVAL).poll(PollBit.POLLERR)
            .ioctlUnguarded().llseekUnguarded().mmap(Errno.EINVAL).access(Errno.EINVAL).build();

    /**
     * A character device answering as evdev does for a disconnected input device
     * (drivers/input/evdev.c): {@code evdev_open_device}, {@code evdev_read}, {@code evdev_write} and
     * {@code evdev_ioctl_handler} return ENODEV once {@code !evdev->exist}; {@code evdev_poll} returns
     * EPOLLHUP | EPOLLERR. evdev has no mmap; the library answers ENODEV, what {@code do_mmap} returns
     * for a file without {@code ->mmap}. llseek not guarded (evdev's {@code nonseekable_open}: ESPIPE
     * before and after). ptrace access EINVAL.
     */
    public static final ErrnoTable CDEV = builder()
            .open(Errno.ENODEV).read(Errno.ENODEV).write(Errno.ENODEV).poll(PollBit.POLLERR, PollBit.POLLHUP)
            .ioctl(Errno.ENODEV).llseekUnguarded().mmap(Errno.ENODEV).access(Errno.EINVAL).build();

    /** A table with every cell still to name; {@link Builder#build()} says which are missing. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this table's cells, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.open = open;
        b.read = read;
        b.write = write;
        b.poll = poll;
        b.ioctl = ioctl;
        b.ioctlSet = true;
        b.llseek = llseek;
        b.llseekSet = true;
        b.mmap = mmap;
        b.access = access;
        return b;
    }

    /** The errno of an open. */
    public Errno open() {
        return open;
    }

    /** The errno of a read. */
    public Errno read() {
        return read;
    }

    /** The errno of a write. */
    public Errno write() {
        return write;
    }

    /** The mask a poll returns. */
    public Set<PollBit> poll() {
        return poll;
    }

    /**
     * The errno of an ioctl, or {@code null} when the adapter's ioctl is not guarded (the driver's
     * ioctl runs after revoke too; {@code vfs_ioctl} answers ENOTTY for a file without one).
     */
    public Errno ioctl() {
        return ioctl;
    }

    /** The errno of an llseek, or {@code null} when llseek is not guarded (uio's {@code noop_llseek}). */
    public Errno llseek() {
        return llseek;
    }

    /** The errno of an mmap. */
    public Errno mmap() {
        return mmap;
    }

    /** The errno of a ptrace access to a mapping. */
    public Errno access() {
        return access;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrnoTable t && open == t.open && read == t.read && write == t.write
                && poll.equals(t.poll) && ioctl == t.ioctl && llseek == t.llseek && mmap == t.mmap
                && access == t.access;
    }

    @Override
    public int hashCode() {
        return Objects.hash(open, read, write, poll, ioctl, llseek, mmap, access);
    }

    @Override
    public String toString() {
        return "ErrnoTable[open=" + open + ", read=" + read + ", write=" + write + ", poll=" + PollBit.format(poll)
                + ", ioctl=" + (ioctl == null ? "unguarded" : ioctl) + ", llseek=" + (llseek == null ? "unguarded" : llseek)
                + ", mmap=" + mmap + ", access=" + access + "]";
    }

    /** Names each cell of a table. Every cell must be named (ioctl and llseek may be named unguarded). */
    public static final class Builder {
        private Errno open;
        private Errno read;
        private Errno write;
        private Set<PollBit> poll;
        private Errno ioctl;
        private boolean ioctlSet;
        private Errno llseek;
        private boolean llseekSet;
        private Errno mmap;
        private Errno access;

        private Builder() {
        }

        public Builder open(Errno e) {
            this.open = Objects.requireNonNull(e, "open");
            return this;
        }

        public Builder read(Errno e) {
            this.read = Objects.requireNonNull(e, "read");
            return this;
        }

        public Builder write(Errno e) {
            this.write = Objects.requireNonNull(e, "write");
            return this;
        }

        public Builder poll(Set<PollBit> mask) {
            this.poll = Set.copyOf(Objects.requireNonNull(mask, "poll"));
            return this;
        }

        public Builder poll(PollBit first, PollBit... rest) {
            return poll(PollBit.union(PollBit.mask(first), rest));
        }

        public Builder ioctl(Errno e) {
            this.ioctl = Objects.requireNonNull(e, "ioctl");
            this.ioctlSet = true;
            return this;
        }

        /** ioctl is not guarded: the driver's ioctl keeps running after revoke. */
        public Builder ioctlUnguarded() {
            this.ioctl = null;
            this.ioctlSet = true;
            return this;
        }

        public Builder llseek(Errno e) {
            this.llseek = Objects.requireNonNull(e, "llseek");
            this.llseekSet = true;
            return this;
        }

        /** llseek is not guarded: the driver's llseek keeps running after revoke. */
        public Builder llseekUnguarded() {
            this.llseek = null;
            this.llseekSet = true;
            return this;
        }

        public Builder mmap(Errno e) {
            this.mmap = Objects.requireNonNull(e, "mmap");
            return this;
        }

        public Builder access(Errno e) {
            this.access = Objects.requireNonNull(e, "access");
            return this;
        }

        /** The table; throws {@link IllegalStateException} naming every cell not yet named. */
        public ErrnoTable build() {
            List<String> missing = new ArrayList<>();
            if (open == null) {
                missing.add("open");
            }
            if (read == null) {
                missing.add("read");
            }
            if (write == null) {
                missing.add("write");
            }
            if (poll == null) {
                missing.add("poll");
            }
            if (!ioctlSet) {
                missing.add("ioctl (or ioctlUnguarded)");
            }
            if (!llseekSet) {
                missing.add("llseek (or llseekUnguarded)");
            }
            if (mmap == null) {
                missing.add("mmap");
            }
            if (access == null) {
                missing.add("access");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("ErrnoTable: no value for " + String.join(", ", missing));
            }
            return new ErrnoTable(this);
        }
    }
}
