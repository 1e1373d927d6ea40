package io.revokefs.kernel;

import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.internal.TrackedLock;

/**
 * A driver's own {@code struct rw_semaphore}, for adapters: checked by the lock-order checker at
 * its rank and yielding to a schedule explorer like every lock of the simulation. The one rank so
 * far is {@link #memoryLock vfio-pci's memory_lock}, between {@code mmap_lock} and
 * {@code i_mmap_rwsem}.
 */
public final class DriverRwsem {
    private final TrackedLock lock;

    private DriverRwsem(TrackedLock lock) {
        this.lock = lock;
    }

    /**
     * vfio-pci's {@code vdev->memory_lock}: read by the fault under {@code mmap_lock}, written before a
     * zap that takes {@code i_mmap_rwsem} ({@code vfio_pci_zap_and_down_write_memory_lock}).
     */
    public static DriverRwsem memoryLock(String name) {
        return new DriverRwsem(new TrackedLock(name, LockOrder.Level.MEMORY_LOCK));
    }

    /** {@code down_read}. */
    public void readLock() {
        lock.readLock();
    }

    /** {@code up_read}. */
    public void readUnlock() {
        lock.readUnlock();
    }

    /** {@code down_write}. */
    public void writeLock() {
        lock.writeLock();
    }

    /** {@code up_write}. */
    public void writeUnlock() {
        lock.writeUnlock();
    }

    @Override
    public String toString() {
        return lock.name();
    }
}
