package io.revokefs.procfs;

import io.revokefs.kernel.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;

/**
 * The procfs column of docs/semantics.md section 4 as the conformance fixtures expect it, spelled out cell
 * by cell with the kernel function each value comes from (fs/proc/inode.c, once {@code use_pde}
 * fails), not read from {@link ProcFs#ERRNOS}: a wrong cell in production fails the suite.
 */
final class ProcfsColumn {
    private ProcfsColumn() {
    }

    static final ErrnoTable EXPECTED = ErrnoTable.builder()
            .open(Errno.ENOENT)    // proc_reg_open (the name is gone too)
            .read(Errno.EIO)       // proc_reg_read / proc_reg_read_iter
            .write(Errno.EIO)      // proc_reg_write
            .poll(PollBit.POLLIN, PollBit.POLLRDNORM, PollBit.POLLOUT, PollBit.POLLWRNORM) // proc_reg_poll: DEFAULT_POLLMASK
            .ioctl(Errno.ENOTTY)   // proc_reg_unlocked_ioctl
            .llseek(Errno.EINVAL)  // proc_reg_llseek, for an entry with proc_lseek (without: ESPIPE, vfs_llseek)
            .mmap(Errno.EIO)       // proc_reg_mmap
            .access(Errno.EINVAL)  // vm access op: kernfs_vma_access's answer (the syscall sees EIO)
            .build();
}
