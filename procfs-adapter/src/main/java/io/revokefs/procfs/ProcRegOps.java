package io.revokefs.procfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PollTable;
import io.revokefs.kernel.Vma;

import java.util.Set;

/**
 * {@code proc_reg_file_ops} around an entry's {@code struct proc_ops} (fs/proc/inode.c): the
 * answers procfs gives for what an entry leaves NULL, before and after removal alike, since they
 * come before or instead of the entry's own operation:
 * <ul>
 *   <li>no {@code proc_lseek}: {@code proc_reg_open} clears FMODE_LSEEK
 *       ({@code if (!pde_has_proc_lseek(pde)) file->f_mode &= ~FMODE_LSEEK}), so {@code vfs_llseek}
 *       fails with ESPIPE and never reaches {@code proc_reg_llseek};</li>
 *   <li>no {@code proc_mmap}: EIO ({@code pde_mmap}); the file always has an mmap
 *       ({@code proc_reg_file_ops.mmap = proc_reg_mmap}), so it is never ENODEV.</li>
 * </ul>
 * The removal answers themselves ({@code use_pde} failing) are the object's errno table,
 * {@link ProcFs#ERRNOS}.
 */
final class ProcRegOps implements FileOperations {
    private final FileOperations procOps;

    ProcRegOps(FileOperations procOps) {
        this.procOps = procOps;
    }

    @Override
    public Result<Void> open(OpenFile file) {
        if (!procOps.hasLlseek()) {
            file.clearSeekable();
        }
        return procOps.open(file);
    }

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        return procOps.read(file, count);
    }

    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        return procOps.write(file, data);
    }

    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        return procOps.poll(file, table);
    }

    @Override
    public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
        return procOps.ioctl(file, cmd, arg);
    }

    @Override
    public Result<Long> llseek(OpenFile file, long offset, int whence) {
        return procOps.llseek(file, offset, whence);
    }

    /**
     * {@code proc_reg_file_ops} always has {@code .llseek} ({@code proc_reg_llseek}), so
     * {@code do_dentry_open} (the kernel's {@code Process.open}) never clears FMODE_LSEEK here; an
     * entry without {@code proc_lseek} loses it in {@link #open}, as {@code proc_reg_open} does.
     */
    @Override
    public boolean hasLlseek() {
        return true;
    }

    /** {@code proc_reg_file_ops} always has {@code .mmap}. */
    @Override
    public boolean hasMmap() {
        return true;
    }

    /** {@code pde_mmap}: the entry's {@code proc_mmap}, or EIO without one. */
    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        return procOps.hasMmap() ? procOps.mmap(file, vma) : Result.err(Errno.EIO);
    }

    @Override
    public void release(OpenFile file) {
        procOps.release(file);
    }
}
