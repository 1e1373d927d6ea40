package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.WaitQueue;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.SigPoll;
import io.revokefs.kernel.PendingSignal;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A driver made from its object ({@link ObjectBuilder#operations(java.util.function.Function)}) takes
 * its wait queue in its constructor, with a final field and no attach step; and revoke sends SIGIO
 * with POLL_HUP to every fasync holder before turning fasync off.
 */
class ObjectBuilderOperationsTest {
    private final Kernel kernel = new Kernel(new InMemoryEventLog());

    /** A driver whose read sleeps on a queue it got from its object. */
    private static final class SleepyDriver implements FileOperations {
        final WaitQueue wait;

        SleepyDriver(RevocableObject object) {
            this.wait = object.newWaitQueue("wait");
        }

        @Override
        public io.revokefs.kernel.Result<byte[]> read(OpenFile file, int count) {
            return wait.waitEvent(() -> false) ? io.revokefs.kernel.Result.ok(new byte[0]) : io.revokefs.kernel.Result.err(Errno.EIO);
        }
    }

    @Test
    void aDriverMadeFromItsObjectSleepsOnAQueueTheRevokeWakes() throws Exception {
        SleepyDriver[] made = new SleepyDriver[1];
        RevocableObject o = RevocableObject.builder(kernel, "test:/dev/sleepy", "test")
                .operations(obj -> made[0] = new SleepyDriver(obj)).errnos(ErrnoTable.KERNFS).register();
        Process p = kernel.newProcess(0);
        OpenFile f = p.open(kernel.newInode("/dev/sleepy", 0600, 0, o.fileOperations(), o.mapping(), null), false).value();
        CompletableFuture<Result<byte[]>> read = CompletableFuture.supplyAsync(() -> p.read(f, 1), ObjectBuilderOperationsTest::thread);
        while (made[0].wait.sleepers() == 0) {
            Thread.onSpinWait();
        }
        o.revoke("test");
        assertThat(read.get(10, TimeUnit.SECONDS).errnoOrNull()).isEqualTo(Errno.EIO);
    }

    /** R33's fasync part, on the core: uio_unregister_device's kill_fasync(SIGIO, POLL_HUP). */
    @Test
    void revokeSendsSigioWithPollHupToEveryFasyncHolderThenTurnsFasyncOff() {
        RevocableObject o = RevocableObject.builder(kernel, "test:/dev/async", "test")
                .operations(new FileOperations() { }).errnos(ErrnoTable.KERNFS).register();
        var inode = kernel.newInode("/dev/async", 0600, 0, o.fileOperations(), o.mapping(), null);
        Process holder = kernel.newProcess(0);
        Process quiet = kernel.newProcess(0);
        OpenFile f = holder.open(inode, false).value();
        OpenFile g = quiet.open(inode, false).value();
        holder.fasync(f, true);
        o.revoke("test");
        assertThat(holder.pendingSignals()).containsExactly(new PendingSignal(Signal.SIGIO, SigPoll.POLL_HUP, f.id()));
        assertThat(quiet.pendingSignals()).as("no O_ASYNC on g").isEmpty();
        assertThat(f.fasync()).as("fasync off after revoke").isFalse();
        assertThat(g.fasync()).isFalse();
    }

    /**
     * A thread of its own for each blocking task: the common pool has one worker on a 2-core machine
     * (Temurin 25 runs supplyAsync there), so a second sleeper would never start.
     */
    private static void thread(Runnable task) {
        Thread t = new Thread(task, "test-sleeper");
        t.setDaemon(true);
        t.start();
    }
}
