package io.revokefs.core;

import io.revokefs.core.internal.Interleave;
import java.util.function.BooleanSupplier;

/**
 * {@code wait_queue_head_t} of a revocable object: where its blocking operations sleep (a uio read
 * waiting for an interrupt, a poll). Revoking the object kills its queues: every sleeper wakes, and
 * later waits return at once, so the operation can see the revoke and exit, letting the drain finish.
 */
public final class WaitQueue {
    private final String name;
    private long generation;
    private boolean killed;

    /**
     * A queue of no object, never killed (a bus waiting for a removal to finish). The queues of an
     * object's blocking operations are made by {@link RevocableObject#newWaitQueue(String)}, which
     * kills them on revoke.
     */
    public WaitQueue(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** {@code wake_up_interruptible}: sleepers re-check their condition. Update the state first. */
    public void wakeUp() {
        synchronized (this) {
            generation++;
            notifyAll();
        }
    }

    void kill() {
        synchronized (this) {
            killed = true;
            generation++;
            notifyAll();
        }
    }

    public synchronized boolean isKilled() {
        return killed;
    }

    /** How many wake-ups so far: a poll table compares it to detect a wake-up since it looked. */
    public synchronized long generation() {
        return generation;
    }

    /**
     * {@code wait_event}: sleeps until {@code condition} holds or the queue is killed. Returns true when
     * the condition holds, false when the object was revoked first. The condition is evaluated with
     * the queue's monitor held.
     */
    public boolean waitEvent(BooleanSupplier condition) {
        if (Interleave.controlling() != null) {
            Interleave.awaitUntil("wait " + name, () -> {
                synchronized (this) {
                    return condition.getAsBoolean() || killed;
                }
            });
            synchronized (this) {
                return condition.getAsBoolean();
            }
        }
        synchronized (this) {
            while (!condition.getAsBoolean() && !killed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return condition.getAsBoolean();
        }
    }
}
