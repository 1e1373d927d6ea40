package io.revokefs.procfs;

import io.revokefs.core.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.core.PollBit;

/**
 * The procfs column of SEMANTICS.md section 4 as the conformance fixtures expect it, spelled out cell
 * by cell with the kernel function each value comes from (fs/proc/inode.c, once {@code use_pde}
 * fails), not read from {@link ProcFs#ERRNOS}: a wrong cell in production fails the suite.
 */
final class ProcfsColumn {
    private ProcfsColumn() {
    }

    static final ErrnoTable EXPECTED = new ErrnoTable(
            Errno.ENOENT,  // open: proc_reg_open (the name is gone too)
            Errno.EIO,     // read: proc_reg_read / proc_reg_read_iter
            Errno.EIO,     // write: proc_reg_write
            PollBit.mask(PollBit.POLLIN, PollBit.POLLRDNORM, PollBit.POLLOUT,
                    PollBit.POLLWRNORM), // poll: proc_reg_poll, DEFAULT_POLLMASK
            Errno.ENOTTY,  // ioctl: proc_reg_unlocked_ioctl
            Errno.EINVAL,  // llseek: proc_reg_llseek, for an entry with proc_lseek (without: ESPIPE, vfs_llseek)
            Errno.EIO,     // mmap: proc_reg_mmap
            Errno.EINVAL); // vm access op: kernfs_vma_access's answer (the syscall sees EIO)
}
