package io.revokefs.cdev;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PendingSignal;
import io.revokefs.kernel.SigPoll;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The cdev's own behaviour and its answers after unplug (docs/semantics.md section 11). */
class CharDeviceTest {
    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final CharDevice dev = CharDevice.create(kernel, "foo", 4, false);
    private final Process p = kernel.newProcess(0);

    private static long counter(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void createBindsDevFooAndRecordsTheObject() {
        assertThat(kernel.lookup("/dev/foo").value()).isSameAs(dev.inode());
        assertThat(log.events().get(0).event()).isEqualTo(new RevokeEvent.ObjectRegistered("cdev:/dev/foo", "cdev"));
    }

    @Test
    void readReturnsTheCounterAtOnceAndPollSaysWhenAnEventIsPending() {
        OpenFile f = p.open("/dev/foo", false).value();
        assertThat(counter(p.read(f, 8).value())).isZero();
        assertThat(p.poll(f).value()).isEmpty();
        dev.event();
        dev.event();
        assertThat(p.poll(f).value()).containsExactlyInAnyOrder(PollBit.POLLIN, PollBit.POLLRDNORM);
        assertThat(counter(p.read(f, 4096).value())).isEqualTo(2);
        assertThat(p.ioctl(f, CharDevice.IOC_EVENTS, 0).value()).isEqualTo(2);
        assertThat(p.ioctl(f, 99, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
        assertThat(p.read(f, 2).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.llseek(f, 0, 0).errnoOrNull()).isEqualTo(Errno.ESPIPE);
    }

    @Test
    void aWaitingReadSleepsUntilTheNextEvent() throws Exception {
        OpenFile f = p.open("/dev/foo", false).value();
        CompletableFuture<Result<byte[]>> read = CompletableFuture.supplyAsync(() -> p.read(f, CharDevice.WAIT_BYTES), CharDeviceTest::thread);
        while (dev.waitQueue().sleepers() == 0) {
            Thread.onSpinWait(); // until the reader is asleep: then only the event can wake it
        }
        assertThat(read).isNotDone();
        dev.event();
        byte[] b = read.get(10, TimeUnit.SECONDS).value();
        assertThat(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(1);
        assertThat(p.poll(f).value()).as("the event was read").isEmpty();
    }

    @Test
    void mmapMapsDeviceMemoryOnFaultAndRefusesBeyondIt() {
        OpenFile f = p.open("/dev/foo", false).value();
        Vma v = p.mmap(f, 4, 0, true).value();
        assertThat(p.mm().populatedPages(v)).isZero();
        assertThat(p.store(v.start(), 7).isOk()).isTrue();
        assertThat(p.load(v.start()).value()).isEqualTo(7);
        assertThat(p.mm().populatedPages(v)).isEqualTo(1);
        assertThat(p.mmap(f, 2, 3, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void aDeviceWithoutMemoryHasNoMmap() {
        CharDevice bare = CharDevice.create(kernel, "bare", 0, false);
        OpenFile f = p.open(bare.path(), false).value();
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
    }

    /**
     * With {@code vmclose} the driver's counting {@code ->close} runs exactly once per VMA that
     * reached it (docs/semantics.md section 9): at munmap, or at unplug for the ones still mapped, and a
     * munmap after unplug does not call it again.
     */
    @Test
    void vmcloseRunsOncePerVmaAtMunmapOrAtUnplugNeverTwice() {
        CharDevice closing = CharDevice.create(kernel, "closing", 4, true);
        OpenFile f = p.open(closing.path(), false).value();
        Vma a = p.mmap(f, 2, 0, true).value();
        Vma b = p.mmap(f, 2, 2, true).value();
        assertThat(p.load(b.start()).isOk()).isTrue();
        assertThat(p.munmap(a.start(), 2).isOk()).isTrue();
        assertThat(closing.vmCloses()).as("a, at munmap").isEqualTo(1);
        closing.unplug();
        assertThat(closing.vmCloses()).as("b, at unplug").isEqualTo(2);
        assertThat(p.munmap(b.start(), 2).isOk()).isTrue();
        assertThat(closing.vmCloses()).as("no second close for b").isEqualTo(2);
    }

    /** evdev's answers for a disconnected device (docs/semantics.md section 11). */
    @Test
    void afterUnplugEveryOperationAnswersAsEvdevDoes() {
        OpenFile f = p.open("/dev/foo", false).value();
        Vma v = p.mmap(f, 2, 0, true).value();
        assertThat(p.load(v.start()).isOk()).isTrue();
        dev.unplug();
        assertThat(p.open("/dev/foo", false).errnoOrNull()).as("open by path: the node is gone").isEqualTo(Errno.ENOENT);
        assertThat(p.open(dev.inode(), false).errnoOrNull()).as("open through a held inode").isEqualTo(Errno.ENODEV);
        assertThat(p.read(f, 8).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(p.write(f, new byte[] {1}).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(p.poll(f).value()).containsExactlyInAnyOrder(PollBit.POLLERR, PollBit.POLLHUP);
        assertThat(p.ioctl(f, CharDevice.IOC_EVENTS, 0).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(p.load(v.start()).signal()).as("the mapping stays, its pages are gone").isEqualTo(Signal.SIGBUS);
        assertThat(dev.event()).as("no event after unplug").isFalse();
    }

    @Test
    void aReaderAsleepAtUnplugWakesWithEnodev() throws Exception {
        OpenFile f = p.open("/dev/foo", false).value();
        CompletableFuture<Result<byte[]>> read = CompletableFuture.supplyAsync(() -> p.read(f, CharDevice.WAIT_BYTES), CharDeviceTest::thread);
        while (dev.waitQueue().sleepers() == 0) {
            Thread.onSpinWait();
        }
        dev.unplug(); // returns only after the reader has woken and left the driver
        assertThat(read.get(10, TimeUnit.SECONDS).errnoOrNull()).isEqualTo(Errno.ENODEV);
    }

    /**
     * R33: at one unplug, the reader asleep wakes with ENODEV, the poller asleep sees EPOLLERR and
     * EPOLLHUP, and the fasync holder gets SIGIO with POLL_HUP (uio_unregister_device's and
     * evdev_hangup's kill_fasync); fasync is off afterwards.
     */
    @Test
    void R33_readerPollerAndFasyncHolderAtUnplug() throws Exception {
        OpenFile reader = p.open("/dev/foo", false).value();
        Process q = kernel.newProcess(0);
        OpenFile poller = q.open("/dev/foo", false).value();
        Process holder = kernel.newProcess(0);
        OpenFile async = holder.open("/dev/foo", false).value();
        assertThat(holder.fasync(async, true).isOk()).isTrue();

        CompletableFuture<Result<byte[]>> read = CompletableFuture.supplyAsync(() -> p.read(reader, CharDevice.WAIT_BYTES), CharDeviceTest::thread);
        CompletableFuture<Result<Set<PollBit>>> poll = CompletableFuture.supplyAsync(() -> q.pollWait(poller, Set.of(PollBit.POLLIN)), CharDeviceTest::thread);
        while (dev.waitQueue().sleepers() < 2) {
            Thread.onSpinWait(); // until both are asleep on the device's queue
        }
        assertThat(holder.pendingSignals()).isEmpty();
        dev.unplug();

        assertThat(read.get(10, TimeUnit.SECONDS).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(poll.get(10, TimeUnit.SECONDS).value()).containsExactlyInAnyOrder(PollBit.POLLERR, PollBit.POLLHUP);
        assertThat(holder.pendingSignals()).containsExactly(new PendingSignal(Signal.SIGIO, SigPoll.POLL_HUP, async.id()));
        assertThat(async.fasync()).as("fasync off after the revoke").isFalse();
        assertThat(p.pendingSignals()).as("no O_ASYNC on the reader's file").isEmpty();
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
