package io.revokefs.kernel.internal;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * A read-write lock of the simulated kernel ({@code mmap_lock}, {@code i_mmap_rwsem}, a page table
 * lock) that reports to {@link LockOrder} and yields to a schedule explorer ({@link Interleave}).
 * Exclusive-only locks simply never call {@link #readLock()}.
 */
public final class TrackedLock {
    private final String name;
    private final LockOrder.Level level;
    private final Rw rw = new Rw();
    /** The interleaving labels, built once rather than at every acquisition. */
    private final String pointLabel;
    private final String writeLabel;
    private final String readLabel;
    /** Whether a thread's write {@code tryLock} would fail now (asked by a schedule explorer). */
    private final Predicate<Thread> writeWouldBlock = t -> rw.isWriteLocked() ? rw.owner() != t : rw.getReadLockCount() > 0;
    /** Whether a thread's read {@code tryLock} would fail now. */
    private final Predicate<Thread> readWouldBlock = t -> rw.isWriteLocked() && rw.owner() != t;

    /** Exposes the write owner, so an explorer can tell whether an acquisition would block. */
    private static final class Rw extends ReentrantReadWriteLock {
        private static final long serialVersionUID = 1L;

        Thread owner() {
            return getOwner();
        }
    }

    public TrackedLock(String name, LockOrder.Level level) {
        this.name = name;
        this.level = level;
        this.pointLabel = "lock " + name;
        this.writeLabel = "write " + name;
        this.readLabel = "read " + name;
    }

    public String name() {
        return name;
    }

    public LockOrder.Level level() {
        return level;
    }

    public void writeLock() {
        LockOrder.beforeAcquire(this);
        // Footprints (Interleave.touch): the step that reaches the point reads the lock (whether the
        // thread would block there decides its enabledness); every acquisition attempt and release
        // writes it. Data protected by the lock conflicts through it.
        Interleave.touch(pointLabel, false);
        Interleave.point(pointLabel, writeLabel, writeWouldBlock);
        ReentrantReadWriteLock.WriteLock w = rw.writeLock();
        if (Interleave.controlling() != null) {
            Interleave.touch(pointLabel, true);
            if (!w.tryLock()) {
                Interleave.awaitUntilSincePoint(writeLabel, () -> {
                    Interleave.touch(pointLabel, true);
                    return w.tryLock();
                }); // nothing changed since the point
            }
        } else {
            w.lock();
        }
        LockOrder.acquired(this);
    }

    public void writeUnlock() {
        LockOrder.released(this);
        Interleave.touch(pointLabel, true);
        rw.writeLock().unlock();
    }

    public void readLock() {
        LockOrder.beforeAcquire(this);
        Interleave.touch(pointLabel, false);
        Interleave.point(pointLabel, readLabel, readWouldBlock);
        ReentrantReadWriteLock.ReadLock r = rw.readLock();
        if (Interleave.controlling() != null) {
            // A read acquisition counts as a write of the lock: code under mmap_lock for reading
            // (a fault) changes state that only the lock orders against another reader's.
            Interleave.touch(pointLabel, true);
            if (!r.tryLock()) {
                Interleave.awaitUntilSincePoint(readLabel, () -> {
                    Interleave.touch(pointLabel, true);
                    return r.tryLock();
                });
            }
        } else {
            r.lock();
        }
        LockOrder.acquired(this);
    }

    public void readUnlock() {
        LockOrder.released(this);
        Interleave.touch(pointLabel, true);
        rw.readLock().unlock();
    }

    public boolean isWriteLockedByCurrentThread() {
        return rw.isWriteLockedByCurrentThread();
    }

    public boolean isHeldByCurrentThread() {
        return rw.isWriteLockedByCurrentThread() || rw.getReadHoldCount() > 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
