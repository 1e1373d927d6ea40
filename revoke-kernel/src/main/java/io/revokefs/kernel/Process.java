package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulated process: pid, credentials, descriptor table and mm, and the system calls the
 * simulation offers. Each call behaves as its Linux counterpart, returning a {@link Result} (or a
 * {@link MemoryAccess} for loads and stores) rather than throwing.
 *
 * <p>A process's calls may come from several threads (a multi-threaded process); the descriptor
 * table is synchronized, the mm has its own locks.
 */
public final class Process {
    private final Kernel kernel;
    private final int pid;
    /** Footprint key (Interleave.touch) of the descriptor table, the signals and the exit flag (all under the monitor). */
    private final String key;
    private final int uid;
    private final Set<Capability> caps;
    private final Mm mm;
    private final Map<Integer, OpenFile> fds = new LinkedHashMap<>();
    private int nextFd = 3;
    private boolean exited;
    private final List<PendingSignal> pending = new ArrayList<>();

    Process(Kernel kernel, int pid, int uid, Set<Capability> caps) {
        this.kernel = kernel;
        this.pid = pid;
        this.key = "process " + pid;
        this.uid = uid;
        this.caps = caps.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(caps);
        this.mm = new Mm(this);
    }

    public Kernel kernel() {
        return kernel;
    }

    public int pid() {
        return pid;
    }

    public int uid() {
        return uid;
    }

    public boolean capable(Capability cap) {
        return caps.contains(cap);
    }

    public Mm mm() {
        return mm;
    }

    // ---------------------------------------------------------------- files

    /** {@code open(2)} by path: ENOENT when nothing is bound there. */
    public Result<OpenFile> open(String path, boolean readOnly) {
        Result<Inode> inode = kernel.lookup(path);
        return inode.isOk() ? open(inode.value(), readOnly) : inode.castErr();
    }

    /**
     * {@code open(2)}: creates the file and calls {@code f_op->open}; the file gets a descriptor on
     * success. As {@code do_dentry_open} does after a successful {@code ->open}, a file whose
     * operations have no {@code ->llseek} ({@link FileOperations#hasLlseek()} false) loses
     * FMODE_LSEEK, so {@link #llseek} answers ESPIPE.
     */
    public Result<OpenFile> open(Inode inode, boolean readOnly) {
        Interleave.touch(key, true);
        synchronized (this) {
            if (exited) {
                return Result.err(Errno.EBADF);
            }
        }
        OpenFile file = new OpenFile(kernel.nextFileId(), inode, this, readOnly);
        Result<Void> r = inode.fop().open(file);
        if (!r.isOk()) {
            return r.castErr();
        }
        if (!inode.fop().hasLlseek()) {
            file.clearSeekable(); // do_dentry_open: a NULL ->llseek clears FMODE_LSEEK after ->open
        }
        Interleave.touch(key, true);
        synchronized (this) {
            fds.put(nextFd++, file);
        }
        return Result.ok(file);
    }

    /**
     * {@code close(2)}: drops one descriptor of {@code file}. The file's {@code ->release} runs when its
     * last reference (descriptor or VMA) is gone. EBADF if this process has no descriptor for it.
     */
    public Result<Void> close(OpenFile file) {
        Interleave.touch(key, true);
        synchronized (this) {
            Integer fd = fdOf(file);
            if (fd == null) {
                return Result.err(Errno.EBADF);
            }
            fds.remove(fd);
        }
        file.put();
        return Result.ok();
    }

    private Integer fdOf(OpenFile file) {
        for (Map.Entry<Integer, OpenFile> e : fds.entrySet()) {
            if (e.getValue() == file) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Whether this process holds a descriptor for {@code file}. */
    public synchronized boolean holds(OpenFile file) {
        Interleave.touch(key, false);
        return fdOf(file) != null;
    }

    private synchronized boolean badFd(OpenFile file) {
        Interleave.touch(key, false);
        return fdOf(file) == null;
    }

    public Result<byte[]> read(OpenFile file, int count) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        return file.fop().read(file, count);
    }

    public Result<Integer> write(OpenFile file, byte[] data) {
        if (badFd(file) || file.isReadOnly()) {
            return Result.err(Errno.EBADF);
        }
        return file.fop().write(file, data);
    }

    public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        return file.fop().ioctl(file, cmd, arg);
    }

    /** {@code vfs_llseek}: ESPIPE for a file opened without FMODE_LSEEK, before any {@code ->llseek}. */
    public Result<Long> llseek(OpenFile file, long offset, int whence) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        if (!file.seekable()) {
            return Result.err(Errno.ESPIPE);
        }
        return file.fop().llseek(file, offset, whence);
    }

    /** A non-blocking {@code poll(2)}: the file's ready mask now. */
    public Result<Set<PollBit>> poll(OpenFile file) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        return Result.ok(file.fop().poll(file, new PollTable()));
    }

    /**
     * A blocking {@code poll(2)} with no timeout: sleeps until the mask has one of {@code interested},
     * or POLLERR or POLLHUP (which are always reported: {@code do_pollfd} adds EPOLLERR | EPOLLHUP
     * to the events asked for), and returns it.
     */
    public Result<Set<PollBit>> pollWait(OpenFile file, Set<PollBit> interested) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        while (true) {
            PollTable table = new PollTable();
            Set<PollBit> mask = file.fop().poll(file, table);
            for (PollBit b : mask) {
                if (interested.contains(b) || b == PollBit.POLLERR || b == PollBit.POLLHUP) {
                    return Result.ok(mask);
                }
            }
            if (table.queues().isEmpty()) {
                throw new IllegalStateException("poll of " + file + " would sleep forever: ->poll registered no wait queue");
            }
            table.queues().get(0).waitEvent(table::anyWoken);
        }
    }

    /**
     * {@code fcntl(fd, F_SETOWN, getpid())} then {@code fcntl(fd, F_SETFL, flags | O_ASYNC)} (or
     * without O_ASYNC, {@code on == false}): this process gets SIGIO when the file's driver calls
     * {@code kill_fasync}, and when the file's object is revoked (POLL_HUP).
     */
    public Result<Void> fasync(OpenFile file, boolean on) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        file.setOwner(this);
        file.setFasync(on);
        return Result.ok();
    }

    /** Signals queued to this process, oldest first (nothing here delivers or clears them). */
    public synchronized List<PendingSignal> pendingSignals() {
        Interleave.touch(key, false);
        return List.copyOf(pending);
    }

    synchronized void queueSignal(PendingSignal s) {
        Interleave.touch(key, true);
        pending.add(s);
    }

    // ---------------------------------------------------------------- memory

    /**
     * {@code mmap(NULL, pages * PAGE_SIZE, PROT_READ[|PROT_WRITE], MAP_SHARED, fd, pgoff * PAGE_SIZE)}.
     * EACCES for a writable mapping of a read-only file.
     */
    public Result<Vma> mmap(OpenFile file, long pages, long pgoff, boolean writable) {
        if (badFd(file)) {
            return Result.err(Errno.EBADF);
        }
        return mm.mmap(file, pages, pgoff, writable);
    }

    /** {@code munmap(2)}. */
    public Result<Void> munmap(long addr, long pages) {
        return mm.munmap(addr, pages);
    }

    /**
     * {@code mremap(2)} of {@code [addr, addr + oldPages)}, inside one VMA; {@code move} relocates it
     * (MREMAP_MAYMOVE|MREMAP_FIXED, to an address the simulation picks). Answers as {@code do_mremap};
     * where it is narrower than Linux, see {@code Mm.mremap}.
     */
    public Result<Long> mremap(long addr, long oldPages, long newPages, boolean move) {
        return mm.mremap(addr, oldPages, newPages, move);
    }

    public MemoryAccess load(long addr) {
        return mm.access(addr, false, 0);
    }

    public MemoryAccess store(long addr, long value) {
        return mm.access(addr, true, value);
    }

    /**
     * {@code access_remote_vm} on {@code target}'s memory as the kernel does it for ptrace and
     * /proc/pid/mem: on a VM_IO or VM_PFNMAP VMA, the result of its {@code ->access} op (an errno such
     * as EINVAL is the op's own answer; the system calls below turn any failure into EIO).
     */
    public Result<Long> accessRemote(Process target, long addr, long value, boolean write) {
        return target.mm.accessRemote(addr, value, write);
    }

    /**
     * {@code PTRACE_PEEKDATA} ({@code generic_ptrace_peekdata}): the word at {@code addr}; EIO when
     * {@code ptrace_access_vm} copied less than a word, whatever the {@code ->access} op returned
     * ({@code __access_remote_vm} stops at an op result {@code <= 0} and reports 0 bytes).
     */
    public Result<Long> ptracePeek(Process target, long addr) {
        Result<Long> r = accessRemote(target, addr, 0, false);
        return r.isOk() ? r : Result.err(Errno.EIO);
    }

    /** {@code PTRACE_POKEDATA} ({@code generic_ptrace_pokedata}): EIO unless a whole word was written. */
    public Result<Void> ptracePoke(Process target, long addr, long value) {
        Result<Long> r = accessRemote(target, addr, value, true);
        return r.isOk() ? Result.ok() : Result.err(Errno.EIO);
    }

    /**
     * A read (or write) of one word of {@code /proc/PID/mem} at {@code addr} ({@code mem_rw}): EIO when
     * {@code access_remote_vm} copied nothing and nothing was copied before.
     */
    public Result<Long> procMemAccess(Process target, long addr, long value, boolean write) {
        Result<Long> r = accessRemote(target, addr, value, write);
        return r.isOk() ? r : Result.err(Errno.EIO);
    }

    /** {@code mbind(2)}: sets {@code policy} on the VMAs of {@code [addr, addr + pages)}; no pages, nothing (0). */
    public Result<Void> mbind(long addr, long pages, MemPolicy policy) {
        return mm.mbind(addr, pages, policy);
    }

    /** {@code get_mempolicy(..., addr, MPOL_F_ADDR)}: the policy at {@code addr}, null for the default. */
    public Result<MemPolicy> getMempolicy(long addr) {
        return mm.getPolicy(addr);
    }

    // ---------------------------------------------------------------- lifetime

    /** {@code fork(2)}: the child shares this process's open files and copies its VMAs. */
    public Process fork() {
        Process child = kernel.newProcess(uid, caps);
        Interleave.touch(key, true);
        synchronized (this) {
            for (OpenFile f : fds.values()) {
                f.get();
                Interleave.touch(child.key, true);
                synchronized (child) {
                    child.fds.put(child.nextFd++, f);
                }
            }
        }
        mm.dupInto(child.mm);
        return child;
    }

    /** {@code exit(2)}: unmaps everything, then closes every descriptor. */
    public void exit() {
        List<OpenFile> open;
        Interleave.touch(key, true);
        synchronized (this) {
            if (exited) {
                return;
            }
            exited = true;
            open = new ArrayList<>(fds.values());
            fds.clear();
        }
        mm.exit();
        for (OpenFile f : open) {
            f.put();
        }
        kernel.reap(this);
    }

    public synchronized boolean hasExited() {
        Interleave.touch(key, false);
        return exited;
    }

    /** Open files, one entry per descriptor. */
    public synchronized List<OpenFile> openFiles() {
        Interleave.touch(key, false);
        return new ArrayList<>(fds.values());
    }

    @Override
    public String toString() {
        return "pid " + pid;
    }
}
