package io.revokefs.core.kernel;

import io.revokefs.core.Errno;
import io.revokefs.core.PollBit;
import io.revokefs.core.Result;

import java.util.Set;

/**
 * {@code struct file_operations}: what a driver does for its open files. Every method but
 * {@link #llseek} has the kernel's behaviour when the driver leaves the pointer NULL: read and write
 * EINVAL ({@code vfs_read} / {@code vfs_write} without FMODE_CAN_READ / FMODE_CAN_WRITE, which
 * {@code do_dentry_open} sets only for a file with the op), poll {@code DEFAULT_POLLMASK}
 * ({@code vfs_poll}), ioctl ENOTTY ({@code vfs_ioctl}), mmap ENODEV ({@code do_mmap}). The default
 * {@link #llseek} stands for a driver that set {@code generic_file_llseek}: a NULL {@code ->llseek}
 * makes {@code do_dentry_open} clear FMODE_LSEEK, so {@code vfs_llseek} returns ESPIPE; a driver
 * models that with {@link #hasLlseek()} false.
 */
public interface FileOperations {

    /** {@code ->open}. The file is not yet visible to anyone else. */
    default Result<Void> open(OpenFile file) {
        return Result.ok();
    }

    /** {@code ->read} of up to {@code count} bytes at the file position; EINVAL without it. */
    default Result<byte[]> read(OpenFile file, int count) {
        return Result.err(Errno.EINVAL);
    }

    /** {@code ->write} at the file position; returns the bytes written; EINVAL without it. */
    default Result<Integer> write(OpenFile file, byte[] data) {
        return Result.err(Errno.EINVAL);
    }

    /**
     * {@code ->poll}: the ready mask now; registers the wait queues to sleep on with
     * {@link PollTable#pollWait}. Without it a file is always ready: {@code DEFAULT_POLLMASK}.
     */
    default Set<PollBit> poll(OpenFile file, PollTable table) {
        return PollBit.DEFAULT_POLLMASK;
    }

    /** {@code ->unlocked_ioctl}; ENOTTY without it. */
    default Result<Long> ioctl(OpenFile file, int cmd, long arg) {
        return Result.err(Errno.ENOTTY);
    }

    /**
     * {@code ->llseek}; by default {@code generic_file_llseek}-like (SEEK_SET and SEEK_CUR), a driver
     * that set it: Linux gives a NULL {@code ->llseek} ESPIPE ({@link #hasLlseek()}).
     */
    default Result<Long> llseek(OpenFile file, long offset, int whence) {
        long base = switch (whence) {
            case 0 -> 0;
            case 1 -> file.position();
            default -> -1;
        };
        if (base < 0 || base + offset < 0) {
            return Result.err(Errno.EINVAL);
        }
        file.setPosition(base + offset);
        return Result.ok(base + offset);
    }

    /**
     * Whether the driver implements {@code ->llseek} (true by default, as the default above stands for
     * {@code generic_file_llseek}). A procfs entry without {@code proc_lseek} says false:
     * {@code proc_reg_open} then clears FMODE_LSEEK and {@code vfs_llseek} fails with ESPIPE.
     */
    default boolean hasLlseek() {
        return true;
    }

    /** Whether the driver implements {@code ->mmap}. */
    default boolean hasMmap() {
        return false;
    }

    /**
     * {@code ->mmap}: runs BEFORE the VMA is linked into the mapping (the kernel's order). Sets
     * {@link Vma#setVmOps}, flags, and may change {@code vm_pgoff}. ENODEV without it.
     */
    default Result<Void> mmap(OpenFile file, Vma vma) {
        return Result.err(Errno.ENODEV);
    }

    /** {@code ->release}: the last reference to the file is gone. */
    default void release(OpenFile file) {
    }
}
