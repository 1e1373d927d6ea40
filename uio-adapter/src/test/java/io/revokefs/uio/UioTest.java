package io.revokefs.uio;

import io.revokefs.core.testing.Async;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.PendingSignal;
import io.revokefs.kernel.SigPoll;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** uio behaviour beyond the shared suite: events, irqcontrol, map selection, R17, R18, R19. */
class UioTest {
    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final Uio uio = new Uio(kernel);
    private final List<Integer> irqWrites = new ArrayList<>();
    private final UioDevice dev = uio.register(new UioInfo("dev", List.of(
            new UioMem("ram", UioMem.Type.LOGICAL, 4), new UioMem("regs", UioMem.Type.PHYS, 2)), true,
            irqOn -> {
                irqWrites.add(irqOn);
                return Result.ok();
            }));
    private final Process p = kernel.newProcess(0);

    private static int le32(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    @Test
    void registerBindsDevUio0AndRecordsTheObject() {
        assertThat(dev.path()).isEqualTo("/dev/uio0");
        assertThat(kernel.lookup("/dev/uio0").value()).isSameAs(dev.inode());
        assertThat(log.events().get(0).event()).isEqualTo(new RevokeEvent.ObjectRegistered("uio:/dev/uio0", "uio"));
        assertThat(uio.register(new UioInfo("second", List.of(), true, null)).path()).isEqualTo("/dev/uio1");
    }

    @Test
    void readReturnsTheEventCountOnceItChangedSinceTheFileLastRead() throws Exception {
        OpenFile f = p.open("/dev/uio0", false).value();
        assertThat(p.read(f, 3).errnoOrNull()).isEqualTo(Errno.EINVAL);
        dev.interrupt();
        dev.interrupt();
        assertThat(p.poll(f).value()).containsExactlyInAnyOrder(PollBit.POLLIN, PollBit.POLLRDNORM);
        assertThat(le32(p.read(f, 4).value())).isEqualTo(2);
        assertThat(p.poll(f).value()).isEmpty();
        CompletableFuture<Result<byte[]>> next = Async.supply(() -> p.read(f, 4));
        Thread.sleep(50);
        assertThat(next).isNotDone();
        dev.interrupt();
        assertThat(le32(next.get(10, TimeUnit.SECONDS).value())).isEqualTo(3);
    }

    /** uio_write tests !idev->info first: EINVAL after unregister, though the device had an irq. */
    @Test
    void uioWriteAfterUnregisterIsEinval() {
        OpenFile f = p.open("/dev/uio0", false).value();
        dev.unregister();
        assertThat(p.write(f, new byte[] {1, 0, 0, 0}).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(irqWrites).isEmpty();
    }

    @Test
    void writeOfFourBytesReachesIrqcontrol() {
        OpenFile f = p.open("/dev/uio0", false).value();
        assertThat(p.write(f, new byte[] {1, 0, 0, 0}).value()).isEqualTo(4);
        assertThat(p.write(f, new byte[] {0, 0, 0, 0}).value()).isEqualTo(4);
        assertThat(p.write(f, new byte[] {1}).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(irqWrites).containsExactly(1, 0);
    }

    @Test
    void mmapOffsetSelectsTheMapByIndexAndRefusesWhatDoesNotFit() {
        OpenFile f = p.open("/dev/uio0", false).value();
        assertThat(p.mmap(f, 5, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mmap(f, 1, 2, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        Vma regs = p.mmap(f, 2, 1, true).value();
        assertThat(p.mm().populatedPages(regs)).as("physical maps are populated at mmap").isEqualTo(2);
        assertThat(p.store(regs.start() + Kernel.PAGE_SIZE, 42).isOk()).isTrue();
        Vma ram = p.mmap(f, 4, 0, true).value();
        assertThat(p.mm().populatedPages(ram)).as("logical maps fault").isZero();
        assertThat(p.store(ram.start() + 3 * Kernel.PAGE_SIZE, 7).isOk()).isTrue();
        assertThat(kernel.physicalMemory().isRam(dev.mapFirstPfn(0))).isTrue();
        assertThat(kernel.physicalMemory().isRam(dev.mapFirstPfn(1))).isFalse();
    }

    @Test
    void aSplitLogicalVmaKeepsFaultingPagesOfItsOwnMap() {
        OpenFile f = p.open("/dev/uio0", false).value();
        Vma ram = p.mmap(f, 4, 0, true).value();
        long start = ram.start();
        assertThat(p.munmap(start, 1).isOk()).isTrue();
        assertThat(p.store(start + 2 * Kernel.PAGE_SIZE, 9).isOk()).isTrue();
        OpenFile g = p.open("/dev/uio0", false).value();
        Vma again = p.mmap(g, 4, 0, true).value();
        assertThat(p.load(again.start() + 2 * Kernel.PAGE_SIZE).value()).as("page 2 of map 0").isEqualTo(9);
    }

    @Test
    void R17_readerBlockedOnInterruptWakesWithEioOnUnregister() throws Exception {
        OpenFile f = p.open("/dev/uio0", false).value();
        CompletableFuture<Result<byte[]>> read = Async.supply(() -> p.read(f, 4));
        Thread.sleep(50);
        assertThat(read).isNotDone();
        CompletableFuture<Void> unregister = Async.run(dev::unregister);
        assertThat(read.get(10, TimeUnit.SECONDS).errnoOrNull()).isEqualTo(Errno.EIO);
        unregister.get(10, TimeUnit.SECONDS);
        assertThat(dev.interrupt()).as("the IRQ is freed").isFalse();
    }

    @Test
    void R18_physicalMapIsZappedOnUnregisterWhereLinuxLeavesItMapped() {
        OpenFile f = p.open("/dev/uio0", false).value();
        Vma regs = p.mmap(f, 2, 1, true).value();
        Process child = p.fork();
        assertThat(child.mm().pageTable().present()).isEqualTo(2);
        dev.unregister();
        assertThat(p.mm().populatedPages(regs)).isZero();
        assertThat(child.mm().pageTable().present()).isZero();
        assertThat(p.load(regs.start()).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(log.events().stream().map(RecordedEvent::event).filter(e -> e instanceof RevokeEvent.MappingsZapped))
                .singleElement().satisfies(e -> assertThat(((RevokeEvent.MappingsZapped) e).ptes()).isEqualTo(4));
    }

    @Test
    void R19_pollAfterUnregisterIsEpollerrAlone() {
        OpenFile f = p.open("/dev/uio0", false).value();
        dev.interrupt();
        dev.unregister();
        assertThat(p.poll(f).value()).containsExactly(PollBit.POLLERR);
        assertThat(p.pollWait(f, Set.of(PollBit.POLLIN)).value()).containsExactly(PollBit.POLLERR);
    }

    @Test
    void unregisterRemovesTheNameFreesTheMinorAndOpensOfTheNodeGetEnodev() {
        dev.unregister();
        assertThat(p.open("/dev/uio0", false).errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(p.open(dev.inode(), false).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(log.events().stream().map(RecordedEvent::event).filter(e -> e instanceof RevokeEvent.RevokeStarted))
                .containsExactly(new RevokeEvent.RevokeStarted("uio:/dev/uio0", "unregister"));
        UioDevice next = uio.register(new UioInfo("next", List.of(), true, null));
        assertThat(next.path()).isEqualTo("/dev/uio0");
    }

    @Test
    void aDeviceWithoutIrqFailsReadsWithEioAndPollsWithPollerr() {
        UioDevice noIrq = uio.register(new UioInfo("noirq", List.of(), false, null));
        OpenFile f = p.open(noIrq.path(), false).value();
        assertThat(p.read(f, 4).errnoOrNull()).isEqualTo(Errno.EIO);
        assertThat(p.poll(f).value()).containsExactly(PollBit.POLLERR);
        assertThat(noIrq.interrupt()).isFalse();
    }

    @Test
    void interruptSendsSigioWithPollInToEveryFileWithOasyncOn() {
        // uio_event_notify: kill_fasync(&idev->async_queue, SIGIO, POLL_IN) after the wake-up.
        OpenFile async = p.open("/dev/uio0", false).value();
        OpenFile quiet = p.open("/dev/uio0", false).value();
        assertThat(p.fasync(async, true).isOk()).isTrue();
        assertThat(dev.interrupt()).isTrue();
        assertThat(p.pendingSignals()).containsExactly(new PendingSignal(Signal.SIGIO, SigPoll.POLL_IN, async.id()));
        assertThat(quiet.fasync()).isFalse();
        dev.unregister();
        assertThat(dev.interrupt()).as("free_irq: no interrupt after unregister").isFalse();
        assertThat(p.pendingSignals()).containsExactly(new PendingSignal(Signal.SIGIO, SigPoll.POLL_IN, async.id()),
                new PendingSignal(Signal.SIGIO, SigPoll.POLL_HUP, async.id()));
    }

    @Test
    void unregisterRevokesBeforeItFreesTheMinorAndRemovesTheNode() {
        // uio_unregister_device: idev->info = NULL, wake_up_interruptible, kill_fasync, then
        // uio_free_minor and device_unregister. Seen from inside the revoke's release of a file.
        OpenFile f = p.open("/dev/uio0", false).value();
        List<String> seen = new ArrayList<>();
        Thread me = Thread.currentThread();
        Interleave.install(new Interleave.Scheduler() {
            @Override
            public void point(String label) {
                if (label.equals("release " + f.id())) {
                    seen.add("minor 0 " + (uio.device(0) == dev ? "held" : "free") + ", node "
                            + (kernel.lookup("/dev/uio0").isOk() ? "present" : "gone"));
                }
            }

            @Override
            public void await(String label, java.util.function.BooleanSupplier condition) {
                assertThat(condition.getAsBoolean()).as(label).isTrue();
            }

            @Override
            public boolean controls(Thread t) {
                return t == me;
            }
        });
        try {
            dev.unregister();
        } finally {
            Interleave.uninstall();
        }
        assertThat(seen).containsExactly("minor 0 held, node present");
        assertThat(uio.device(0)).isNull();
        assertThat(kernel.lookup("/dev/uio0").errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(f.fasync()).isFalse();
    }
}
