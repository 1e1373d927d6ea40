package io.revokefs.core;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.PollBit;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PollTable;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The wrapped {@code f_op} of one {@link RevocableObject}: {@code kernfs_fop_*} of fs/kernfs/file.c.
 * Each operation enters one of the object's two guards, calls the driver, and exits; a refused
 * entry returns the object's errno for the operation ({@link ErrnoTable}) and records
 * {@code AccessRefused}. Which guard:
 * <ul>
 *   <li>{@code entries} for open and mmap, whose success is an event in the log and which never
 *       sleep (see the class comment of {@link RevocableObject});</li>
 *   <li>{@code ops} for read, write, poll, ioctl and llseek, any of which may sleep.</li>
 * </ul>
 * An adapter whose errno table leaves ioctl or llseek null gets the driver's operation unguarded
 * (it does not touch the device).
 */
final class WrappedFileOperations implements FileOperations {
    private static final Logger log = LoggerFactory.getLogger(WrappedFileOperations.class);

    private final RevocableObject o;

    WrappedFileOperations(RevocableObject owner) {
        this.o = owner;
    }

    @Override
    public RevocableObject owner() {
        return o;
    }

    private <T> Result<T> refuse(String op, Errno errno, OpenFile file) {
        o.record(new RevokeEvent.AccessRefused(o.id(), op, errno.name(), file.id(), null));
        return Result.err(errno);
    }

    /** {@code kernfs_fop_open}: the permission check, then the driver's open inside the guard. */
    @Override
    public Result<Void> open(OpenFile file) {
        int pid = file.opener().pid();
        if (!file.inode().permits(file.opener(), !file.isReadOnly())) {
            o.record(new RevokeEvent.OpenRefused(o.id(), file.id(), pid, Errno.EACCES));
            return Result.err(Errno.EACCES);
        }
        int t = o.entries.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.OpenRefused(o.id(), file.id(), pid, o.errnos.open()));
            return Result.err(o.errnos.open());
        }
        try {
            Result<Void> r = o.driver.open(file);
            if (!r.isOk()) {
                o.record(new RevokeEvent.OpenRefused(o.id(), file.id(), pid, r.errnoOrNull()));
                return r;
            }
            Interleave.touch(o.key, true);
            o.files.put(file, new FileState(file, o.opens.incrementAndGet()));
            o.record(new RevokeEvent.FileOpened(o.id(), file.id(), pid));
            return r;
        } finally {
            o.entries.exit(t);
        }
    }

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        int t = o.ops.tryEnter();
        if (t < 0) {
            return refuse("read", o.errnos.read(), file);
        }
        try {
            return o.driver.read(file, count);
        } finally {
            o.ops.exit(t);
        }
    }

    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        int t = o.ops.tryEnter();
        if (t < 0) {
            return refuse("write", o.errnos.write(), file);
        }
        try {
            return o.driver.write(file, data);
        } finally {
            o.ops.exit(t);
        }
    }

    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        int t = o.ops.tryEnter();
        if (t < 0) {
            o.record(new RevokeEvent.AccessRefused(o.id(), "poll", PollBit.format(o.errnos.poll()), file.id(), null));
            return o.errnos.poll();
        }
        try {
            return o.driver.poll(file, table);
        } finally {
            o.ops.exit(t);
        }
    }

    @Override
    public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
        if (o.errnos.ioctl() == null) {
            return o.driver.ioctl(file, cmd, arg);
        }
        int t = o.ops.tryEnter();
        if (t < 0) {
            return refuse("ioctl", o.errnos.ioctl(), file);
        }
        try {
            return o.driver.ioctl(file, cmd, arg);
        } finally {
            o.ops.exit(t);
        }
    }

    @Override
    public Result<Long> llseek(OpenFile file, long offset, int whence) {
        if (o.errnos.llseek() == null) {
            return o.driver.llseek(file, offset, whence);
        }
        int t = o.ops.tryEnter();
        if (t < 0) {
            return refuse("llseek", o.errnos.llseek(), file);
        }
        try {
            return o.driver.llseek(file, offset, whence);
        } finally {
            o.ops.exit(t);
        }
    }

    @Override
    public boolean hasMmap() {
        return o.driver.hasMmap();
    }

    /** The driver's: a driver without {@code ->llseek} keeps ESPIPE through the wrapper ({@code do_dentry_open}). */
    @Override
    public boolean hasLlseek() {
        return o.driver.hasLlseek();
    }

    /**
     * {@code kernfs_fop_mmap}: the driver's mmap inside the guard, then its vm_ops replaced by the
     * wrapped ones of the file (one set per open file; a second mmap bringing different vm_ops is
     * refused). A mapping whose {@code ->mmap} replaced {@code vm_file} is left unwrapped. A driver
     * whose vm_ops has {@code ->close} is accepted (its close runs once per piece, docs/semantics.md section 9)
     * unless the adapter asked for kernfs's refusal ({@code ObjectBuilder.refuseVmClose()}: EINVAL).
     */
    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        if (!o.driver.hasMmap()) {
            return refuseMmap(file, vma, Errno.ENODEV, "the file has no mmap");
        }
        int t = o.entries.tryEnter();
        if (t < 0) {
            return refuseMmap(file, vma, o.errnos.mmap(), "revoked");
        }
        try {
            Result<Void> r = o.driver.mmap(file, vma);
            if (!r.isOk()) {
                return refuseMmap(file, vma, r.errnoOrNull(), "the driver's mmap failed");
            }
            if (vma.file() == file) {
                VmOperations driverVm = vma.vmOps();
                if (driverVm != null && driverVm.hasClose() && o.refusesVmClose) {
                    log.warn("{}: refusing mmap: the driver's vm_ops has ->close, which this adapter does not wrap (as kernfs)", o.id());
                    return refuseMmap(file, vma, Errno.EINVAL, "vm_ops has close, which cannot be wrapped");
                }
                Interleave.touch(o.key, true); // the file's vm, read and maybe set
                FileState fs = o.files.get(file);
                WrappedVmOperations w = fs.vm;
                if (w == null) {
                    w = new WrappedVmOperations(o, driverVm);
                    fs.vm = w;
                } else if (w.driverVm != driverVm) {
                    return refuseMmap(file, vma, Errno.EINVAL, "a second mmap of the file has different vm_ops");
                }
                vma.setVmOps(w);
                w.reached(vma);
            }
            io.revokefs.kernel.PfnMapping pfns = vma.file().mapping().pfnMapping();
            long pfn = pfns == null ? io.revokefs.kernel.PfnMapping.NO_PFN : pfns.pfnOf(vma, vma.pgoff());
            o.record(new RevokeEvent.Mmapped(o.id(), file.id(), vma.id(), vma.mm().owner().pid(),
                    vma.pgoff(), vma.pages(), vma.file().mapping().id(), vma.mm().populatedPages(vma),
                    pfn == io.revokefs.kernel.PfnMapping.NO_PFN ? null : pfn));
            return r;
        } finally {
            o.entries.exit(t);
        }
    }

    private Result<Void> refuseMmap(OpenFile file, Vma vma, Errno errno, String reason) {
        o.record(new RevokeEvent.MmapRefused(o.id(), file.id(), vma.id(), vma.mm().owner().pid(),
                vma.pgoff(), vma.pages(), errno, reason));
        return Result.err(errno);
    }

    /** The last reference to {@code file} is gone ({@code kernfs_fop_release}): release once, unguarded. */
    @Override
    public void release(OpenFile file) {
        Interleave.touch(o.key, false);
        FileState fs = o.files.get(file);
        if (fs == null) {
            return; // the open failed: ->release never runs for it
        }
        fs.releaseOnce(o, file, ReleaseCause.CLOSE);
        Interleave.touch(o.key, true);
        o.files.remove(file);
        o.record(new RevokeEvent.FileClosed(o.id(), file.id()));
    }
}
