package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;

/**
 * The sysfs column of docs/semantics.md section 4 as the conformance fixtures expect it, spelled out cell
 * by cell with the kernel function each value comes from (fs/kernfs/file.c), not read from the
 * adapter's own table: a wrong cell in production fails the suite.
 */
final class SysfsColumn {
    private SysfsColumn() {
    }

    static final ErrnoTable EXPECTED = ErrnoTable.builder()
            .open(Errno.ENODEV)    // kernfs_fop_open, kernfs_get_active fails
            .read(Errno.ENODEV)    // kernfs_file_read_iter / kernfs_seq_start
            .write(Errno.ENODEV)   // kernfs_fop_write_iter
            .poll(PollBit.POLLIN, PollBit.POLLRDNORM, PollBit.POLLOUT, PollBit.POLLWRNORM,
                    PollBit.POLLERR, PollBit.POLLPRI) // kernfs_fop_poll: DEFAULT_POLLMASK|EPOLLERR|EPOLLPRI
            .ioctl(Errno.ENOTTY)   // kernfs_file_fops has no unlocked_ioctl (vfs_ioctl), before and after
            .llseek(Errno.ENODEV)  // kernfs_fop_llseek
            .mmap(Errno.ENODEV)    // kernfs_fop_mmap
            .access(Errno.EINVAL)  // vm access op: kernfs_vma_access (PTRACE_PEEKDATA, /proc/pid/mem then see EIO)
            .build();
}
