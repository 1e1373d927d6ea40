package io.revokefs.core.internal;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A read-write lock of the simulated kernel ({@code mmap_lock}, {@code i_mmap_rwsem}, a page table
 * lock) that reports to {@link LockOrder} and yields to a schedule explorer ({@link Interleave}).
 * Exclusive-only locks simply never call {@link #readLock()}.
 */
public final class TrackedLock {
    private final String name;
    private final LockOrder.Level level;
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    /** The interleaving label, built once rather than at every acquisition. */
    private final String pointLabel;

    public TrackedLock(String name, LockOrder.Level level) {
        this.name = name;
        this.level = level;
        this.pointLabel = "lock " + name;
    }

    public String name() {
        return name;
    }

    public LockOrder.Level level() {
        return level;
    }

    public void writeLock() {
        LockOrder.beforeAcquire(this);
        Interleave.point(pointLabel);
        ReentrantReadWriteLock.WriteLock w = rw.writeLock();
        if (Interleave.controlling() != null) {
            if (!w.tryLock()) {
                Interleave.awaitUntil("write " + name, w::tryLock);
            }
        } else {
            w.lock();
        }
        LockOrder.acquired(this);
    }

    public void writeUnlock() {
        LockOrder.released(this);
        rw.writeLock().unlock();
    }

    public void readLock() {
        LockOrder.beforeAcquire(this);
        Interleave.point(pointLabel);
        ReentrantReadWriteLock.ReadLock r = rw.readLock();
        if (Interleave.controlling() != null) {
            if (!r.tryLock()) {
                Interleave.awaitUntil("read " + name, r::tryLock);
            }
        } else {
            r.lock();
        }
        LockOrder.acquired(this);
    }

    public void readUnlock() {
        LockOrder.released(this);
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
