package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import java.util.function.BooleanSupplier;

/**
 * {@code wait_queue_head_t} of a revocable object: where its blocking operations sleep (a uio read
 * waiting for an interrupt, a poll). Revoking the object kills its queues: every sleeper wakes, and
 * later waits return at once, so the operation can see the revoke and exit, letting the drain finish.
 *
 * <p>Made by {@code RevocableObject#newWaitQueue(String)} or {@code Revocable#newWaitQueue(String)},
 * which kill it at revoke. {@link #sleepers()} tells a test that a reader is asleep (so that an
 * unplug it then starts really races a sleeper, without sleeping for a while and hoping).
 */
public final class WaitQueue {
    private final String name;
    /** Its footprint key (Interleave.touch): its name, fixed when it was made. */
    private final String key;
    private long generation;
    private boolean killed;
    private int sleepers;

    /**
     * A queue of no object, never killed (a bus waiting for a removal to finish). The queues of an
     * object's blocking operations are made by {@code RevocableObject#newWaitQueue(String)}, which
     * kills them on revoke.
     */
    public WaitQueue(String name) {
        this.name = name;
        this.key = "wait queue " + name;
    }

    public String name() {
        return name;
    }

    /** {@code wake_up_interruptible}: sleepers re-check their condition. Update the state first. */
    public void wakeUp() {
        Interleave.touch(key, true);
        synchronized (this) {
            generation++;
            notifyAll();
        }
    }

    /**
     * Revoke's wake-up for good: every sleeper, now and later, returns with the object gone
     * ({@link #isKilled}), as uio_unregister_device's {@code wake_up_interruptible(&idev->wait)} after
     * clearing {@code idev->info} makes uio_read return -EIO. Called by the revoke library only.
     */
    public void kill() {
        Interleave.touch(key, true);
        synchronized (this) {
            killed = true;
            generation++;
            notifyAll();
        }
    }

    /**
     * Threads asleep in {@link #waitEvent} right now: they found the condition false and have not
     * returned. A thread counts from the moment it found the condition false (under the monitor) until
     * it wakes and leaves, so a test that sees {@code sleepers() == 1} knows that an event or a revoke
     * from then on must wake that thread. {@code waitqueue_active} in the kernel.
     */
    public synchronized int sleepers() {
        Interleave.touch(key, false);
        return sleepers;
    }

    public synchronized boolean isKilled() {
        Interleave.touch(key, false);
        return killed;
    }

    /** How many wake-ups so far: a poll table compares it to detect a wake-up since it looked. */
    public synchronized long generation() {
        Interleave.touch(key, false);
        return generation;
    }

    /**
     * {@code wait_event}: sleeps until {@code condition} holds or the queue is killed. Returns true when
     * the condition holds, false when the object was revoked first. The condition is evaluated with
     * the queue's monitor held.
     */
    public boolean waitEvent(BooleanSupplier condition) {
        if (Interleave.controlling() != null) {
            // The condition is the caller's: what it reads is not declared here (Interleave.touchUnknown).
            Interleave.touchUnknown();
            synchronized (this) {
                if (condition.getAsBoolean() || killed) {
                    return condition.getAsBoolean();
                }
                sleepers++;
            }
            try {
                Interleave.awaitUntil("wait " + name, () -> {
                    Interleave.touchUnknown();
                    synchronized (this) {
                        return condition.getAsBoolean() || killed;
                    }
                });
            } finally {
                synchronized (this) {
                    sleepers--;
                }
            }
            synchronized (this) {
                return condition.getAsBoolean();
            }
        }
        synchronized (this) {
            if (condition.getAsBoolean() || killed) {
                return condition.getAsBoolean();
            }
            sleepers++;
            try {
                while (!condition.getAsBoolean() && !killed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return condition.getAsBoolean();
            } finally {
                sleepers--;
            }
        }
    }
}
