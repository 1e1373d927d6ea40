package io.revokefs.explore;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * uio_read's window (drivers/uio/uio.c), reproduced like R04: a naive reader written as Linux's, which
 * the explorer catches, and the library's reader, which it does not.
 *
 * <p>Linux's {@code uio_read} is on {@code idev->wait} (add_wait_queue) and loops: take
 * {@code info_lock}, {@code if (!idev->info) return -EIO}, drop the lock, then
 * {@code set_current_state(TASK_INTERRUPTIBLE)}, check the event count, {@code schedule()}.
 * {@code uio_unregister_device} clears {@code idev->info} under the lock and then calls
 * {@code wake_up_interruptible(&idev->wait)}. A wake-up that lands after the reader dropped the lock
 * and before its {@code set_current_state} sets the task running, and {@code set_current_state} then
 * overwrites that: the reader sleeps in {@code schedule()} with no event ever to come.
 */
class UioReadWindowExploreTest {

    /** Linux's uio_read and uio_unregister_device, on the explorer's interleaving points. */
    private static final class NaiveUio {
        private final Object infoLock = new Object();
        private Object info = new Object(); // idev->info; guarded by infoLock
        private volatile boolean running;    // the reader's task state: TASK_RUNNING after a wake-up
        private volatile int event;          // idev->event

        /** uio_read: EIO once info is gone, the event count once it changed. */
        String read() {
            int seen = event;
            while (true) {
                synchronized (infoLock) {
                    if (info == null) {
                        return "EIO";
                    }
                }
                Interleave.point("uio_read unlocked");
                running = false; // set_current_state(TASK_INTERRUPTIBLE)
                Interleave.point("uio_read set_current_state");
                if (event != seen) {
                    return "ok";
                }
                Interleave.awaitUntil("uio_read schedule", () -> running);
            }
        }

        /** uio_unregister_device: info = NULL under info_lock, then wake_up_interruptible. */
        void unregister() {
            synchronized (infoLock) {
                info = null;
            }
            Interleave.point("uio_unregister wake_up");
            running = true;
        }
    }

    @Test
    void uioReadNaiveLinuxReaderLosesTheUnregisterWakeUpAndTheExplorerFindsIt() {
        ExploreCase naive = ExploreCase.of("R17-naive-uio-read-window", "Linux's uio_read racing uio_unregister_device", () -> {
            InMemoryEventLog log = new InMemoryEventLog();
            RaceWorld w = new RaceWorld(new Kernel(log), log);
            NaiveUio uio = new NaiveUio();
            AtomicReference<String> result = new AtomicReference<>();
            w.thread("reader", () -> result.set(uio.read()));
            w.thread("unregister", uio::unregister);
            w.check("the reader returns EIO", () -> "EIO".equals(result.get()) ? null : "the reader returned " + result.get());
            return w;
        });
        Report r = ExploreReportFile.add(Explorer.explore(naive, Explorer.Options.defaults()), "(planted bug: must be found)");
        assertThat(r.failure()).as("the explorer missed the lost wake-up").isPresent();
        assertThat(r.failure().get().problems()).as(r.failure().get().describe(40)).anyMatch(p -> p.contains("deadlock"));
        Report again = Explorer.replay(naive, r.failure().get().schedule(), Explorer.Options.defaults());
        assertThat(again.failure()).as("the printed schedule reproduces it").isPresent();
    }

    @Test
    void uioReadLibraryReaderAlwaysWakesWithEio() {
        // The library's reader sleeps in the object's WaitQueue, which revoke kills for good: a sleeper
        // that arrives after the kill returns at once, so no schedule loses the wake-up (docs/races.md R17).
        Report r = ExploreReportFile.add(Explorer.explore(ExploreCase.of("R17-uio-read-library",
                "the library's blocking reader racing revoke", Cases::r17), Explorer.Options.defaults()), "");
        assertThat(r.failure()).isEmpty();
        assertThat(r.schedules()).isPositive();
    }
}
