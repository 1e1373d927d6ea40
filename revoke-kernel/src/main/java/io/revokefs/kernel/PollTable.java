package io.revokefs.kernel;

import io.revokefs.kernel.WaitQueue;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code poll_table}: the wait queues a blocking poll sleeps on. A driver's {@code ->poll} registers
 * its queues with {@link #pollWait}; {@link Process#pollWait} then sleeps until one of them is woken.
 */
public final class PollTable {
    private final List<WaitQueue> queues = new ArrayList<>();
    private final List<Long> generations = new ArrayList<>();

    /** {@code poll_wait}: the poll should sleep on {@code queue}. */
    public void pollWait(WaitQueue queue) {
        queues.add(queue);
        generations.add(queue.generation());
    }

    List<WaitQueue> queues() {
        return queues;
    }

    /** Whether any registered queue has been woken since registration. */
    boolean anyWoken() {
        for (int i = 0; i < queues.size(); i++) {
            if (queues.get(i).generation() != generations.get(i) || queues.get(i).isKilled()) {
                return true;
            }
        }
        return false;
    }
}
