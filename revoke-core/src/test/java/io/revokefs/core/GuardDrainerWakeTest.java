package io.revokefs.core;

import io.revokefs.kernel.internal.Interleave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link Guard} promises the revoker and the explorer beyond the counts {@link GuardTest}
 * checks: an exit after deactivation wakes the thread parked in {@link Guard#drain()} (kernfs_put_active's
 * {@code wake_up_all(&root->deactivate_waitq)}), (that entry, exit and deactivation are
 * interleaving points is InterleavingPointsTest's, in revoke-testing). Found by mutation testing (issue 18 point 12): the drain's
 * park is bounded (1 ms), so removing the unpark only slowed every revoke and no test saw it.
 *
 * <p>The wake-up is observed without timing, through the park permit: {@link LockSupport#unpark}
 * of a thread that is not parked leaves it a permit, and its next {@link LockSupport#park()} returns
 * at once. The exit is made while the drainer is registered and waiting but not parked (a scheduler
 * controls the drainer's wait and has another thread exit meanwhile), so the permit outlives the
 * drain; the drainer then parks once more. With the unpark, that park returns; without it, the
 * drainer blocks in it, which the test sees as its thread state (WAITING after the drain returned),
 * and it fails.
 */
class GuardDrainerWakeTest {

    @AfterEach
    void uninstall() {
        Interleave.uninstall();
    }

    /** Controls only {@code drainer}: its waits run {@code meanwhile} on a thread of its own, then spin until the condition holds. */
    private static final class ExitWhileWaiting implements Interleave.Scheduler {
        private final AtomicReference<Thread> drainer = new AtomicReference<>();
        private final Runnable meanwhile;
        final List<String> waits = Collections.synchronizedList(new ArrayList<>());

        ExitWhileWaiting(Runnable meanwhile) {
            this.meanwhile = meanwhile;
        }

        @Override
        public void point(String label) {
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            waits.add(label);
            Thread other = new Thread(meanwhile, "exiting holder");
            other.start();
            while (other.isAlive() || !condition.getAsBoolean()) {
                Thread.onSpinWait(); // never parks: the permit the exit leaves stays unconsumed
            }
        }

        @Override
        public boolean controls(Thread t) {
            return t == drainer.get();
        }
    }

    @Test
    void anExitAfterDeactivationUnparksTheDrainer() throws Exception {
        Guard g = new Guard();
        int token = g.tryEnter();
        assertThat(g.deactivate()).isTrue();
        ExitWhileWaiting scheduler = new ExitWhileWaiting(() -> g.exit(token));
        AtomicBoolean drained = new AtomicBoolean();
        AtomicBoolean parkReturned = new AtomicBoolean();
        Thread drainer = new Thread(() -> {
            g.drain();
            drained.set(true);
            LockSupport.park(); // returns at once if the exit unparked this thread
            parkReturned.set(true);
        }, "drainer");
        scheduler.drainer.set(drainer);
        Interleave.install(scheduler);
        drainer.start();
        boolean woken = true;
        while (drainer.isAlive()) {
            if (drained.get() && !parkReturned.get() && drainer.getState() == Thread.State.WAITING) {
                woken = false; // blocked in park(): nobody left it a permit
                LockSupport.unpark(drainer);
            }
            Thread.onSpinWait();
        }
        drainer.join();
        assertThat(scheduler.waits).as("the drain waited for the holder").containsExactly("guard drain");
        assertThat(g.isDrained()).isTrue();
        assertThat(woken).as("the holder's exit unparked the drainer").isTrue();
    }

    @Test
    void theGuardIsDrainedOnlyOnceItsDrainReturned() {
        Guard g = new Guard();
        assertThat(g.isDrained()).isFalse();
        int t = g.tryEnter();
        g.deactivate();
        assertThat(g.isDrained()).as("deactivated with an entry in flight").isFalse();
        g.exit(t);
        assertThat(g.isDrained()).as("deactivated, nothing in flight, not drained yet").isFalse();
        g.drain();
        assertThat(g.isDrained()).isTrue();
    }
}
