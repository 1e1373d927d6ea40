package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.Result;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs/races.md cases of revoke-core, each run with real threads held at chosen points by latches,
 * so each ordering named in the case is forced rather than hoped for. Schedule exploration of the
 * same cases lives with the explorer.
 */
class RacesTest {
    private static final long TIMEOUT_S = 10;

    private static long seqOf(Sim sim, Class<? extends RevokeEvent> type) {
        return sim.log().eventsOf(Sim.OBJECT).stream().filter(e -> type.isInstance(e.event())).mapToLong(RecordedEvent::seq)
                .findFirst().orElse(-1);
    }

    private static void awaitEvent(Sim sim, Class<? extends RevokeEvent> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (seqOf(sim, type) < 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + type.getSimpleName() + " within " + TIMEOUT_S + " s");
            }
            Thread.sleep(1);
        }
    }

    /** Runs {@code work} on a thread of its own (the common pool has one worker on a 2-core machine). */
    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Lets a thread that should be blocked run long enough to show it if it is not. */
    private static void settle() throws InterruptedException {
        Thread.sleep(100);
    }

    @Test
    void R01_readInFlightWhenRevokeStartsCompletesAndLaterReadsFail() throws Exception {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        TestDriver.Gate gate = new TestDriver.Gate();
        sim.driver().setReadGate(gate);
        CompletableFuture<Result<byte[]>> inFlight = async(() -> p.read(f, 4));
        assertThat(gate.awaitEntered(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<RevocableObject.RevokeOutcome> revoke = async(() -> sim.object().revoke("test"));
        awaitEvent(sim, RevokeEvent.RevokeStarted.class);
        assertThat(p.read(f, 4).errnoOrNull()).isEqualTo(Errno.ENODEV);
        settle();
        assertThat(revoke).isNotDone();
        assertThat(seqOf(sim, RevokeEvent.RevokeDrained.class)).isNegative();

        gate.open();
        assertThat(new String(inFlight.get(TIMEOUT_S, TimeUnit.SECONDS).value(), StandardCharsets.US_ASCII)).isEqualTo("data");
        assertThat(revoke.get(TIMEOUT_S, TimeUnit.SECONDS).waited()).isEqualTo(1);
    }

    @Test
    void R02_faultInFlightCompletesThenTheZapRemovesItsPte() throws Exception {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 1, 0);
        TestDriver.Gate gate = new TestDriver.Gate();
        sim.driver().setFaultGate(gate);
        CompletableFuture<MemoryAccess> load = async(() -> p.load(Sim.page(v, 0)));
        assertThat(gate.awaitEntered(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<RevocableObject.RevokeOutcome> revoke = async(() -> sim.object().revoke("test"));
        // Once deactivated, a new entry from another process is refused...
        Process q = sim.root();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (q.open(sim.inode(), false).isOk()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.yield();
        }
        // ...while RevokeStarted waits for the fault that entered first, so the log orders it before.
        settle();
        assertThat(revoke).isNotDone();
        assertThat(seqOf(sim, RevokeEvent.RevokeStarted.class)).isNegative();

        gate.open();
        // The handler installs the PFN. The access then retries through the PTE, as the kernel
        // re-executes the instruction; if the zap got there first, the retry faults again and gets
        // SIGBUS. Both are correct; what is not is a PTE left behind.
        assertThat(load.get(TIMEOUT_S, TimeUnit.SECONDS).outcome()).isIn("ok", "SIGBUS");
        RevocableObject.RevokeOutcome o = revoke.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(o.ptes()).isEqualTo(1); // the PFN the in-flight fault installed
        assertThat(seqOf(sim, RevokeEvent.Faulted.class)).isLessThan(seqOf(sim, RevokeEvent.RevokeStarted.class));
        assertThat(p.mm().pageTable().present()).isZero();
        assertThat(p.load(Sim.page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
    }

    @Test
    void R05_closeWinsTheRaceAndRevokeWaitsForItsRelease() throws Exception {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        TestDriver.Gate gate = new TestDriver.Gate();
        sim.driver().setReleaseGate(gate);
        CompletableFuture<Result<Void>> close = async(() -> p.close(f));
        assertThat(gate.awaitEntered(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<RevocableObject.RevokeOutcome> revoke = async(() -> sim.object().revoke("test"));
        settle();
        assertThat(revoke).isNotDone(); // the loser waits for the release in progress
        gate.open();
        assertThat(close.get(TIMEOUT_S, TimeUnit.SECONDS).isOk()).isTrue();
        assertThat(revoke.get(TIMEOUT_S, TimeUnit.SECONDS).released()).isZero();
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(releases(sim)).containsExactly(new RevokeEvent.FileReleased(Sim.OBJECT, f.id(), ReleaseCause.CLOSE));
        assertThat(seqOf(sim, RevokeEvent.FileReleased.class)).isLessThan(seqOf(sim, RevokeEvent.RevokeCompleted.class));
    }

    @Test
    void R05_revokeWinsTheRaceAndCloseWaitsForItsRelease() throws Exception {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        TestDriver.Gate gate = new TestDriver.Gate();
        sim.driver().setReleaseGate(gate);
        CompletableFuture<RevocableObject.RevokeOutcome> revoke = async(() -> sim.object().revoke("test"));
        assertThat(gate.awaitEntered(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Result<Void>> close = async(() -> p.close(f));
        settle();
        assertThat(close).isNotDone(); // close_pdeo: the closer waits for the rundown's release
        gate.open();
        assertThat(revoke.get(TIMEOUT_S, TimeUnit.SECONDS).released()).isEqualTo(1);
        assertThat(close.get(TIMEOUT_S, TimeUnit.SECONDS).isOk()).isTrue();
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(releases(sim)).containsExactly(new RevokeEvent.FileReleased(Sim.OBJECT, f.id(), ReleaseCause.REVOKE));
        assertThat(seqOf(sim, RevokeEvent.FileReleased.class)).isLessThan(seqOf(sim, RevokeEvent.FileClosed.class));
    }

    @Test
    void R06_closeAfterRevokeSucceedsWithoutASecondRelease() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        sim.object().revoke("test");
        assertThat(p.close(f).isOk()).isTrue();
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(releases(sim)).hasSize(1);
        assertThat(sim.typesOf(Sim.OBJECT)).endsWith("RevokeCompleted", "FileClosed");
    }

    @Test
    void R07_anAttributeWhoseWriteRemovesItsOwnDeviceDoesNotDeadlock() throws Exception {
        Sim sim = new Sim();
        AtomicReference<RevocableObject> removeAttr = new AtomicReference<>();
        FileOperations removeOps = new FileOperations() {
            @Override
            public Result<Integer> write(OpenFile file, byte[] data) {
                RevocableObject self = removeAttr.get();
                self.withProtectionBroken(() -> {
                    sim.object().revoke("hot-unplug");
                    return self.revoke("hot-unplug");
                });
                return Result.ok(data.length);
            }
        };
        removeAttr.set(RevocableObject.builder(sim.kernel(), "test:/remove", "test").operations(removeOps)
                .errnos(ErrnoTable.KERNFS).register());
        var node = sim.kernel().newInode("/remove", 0200, 0, removeAttr.get().fileOperations(), removeAttr.get().mapping(), null);
        Process p = sim.root();
        OpenFile w = p.open(node, false).value();
        CompletableFuture<Result<Integer>> write = async(() -> p.write(w, new byte[] {'1'}));
        assertThat(write.get(TIMEOUT_S, TimeUnit.SECONDS).value()).isEqualTo(1);
        assertThat(sim.object().isRevoked()).isTrue();
        assertThat(removeAttr.get().isRevoked()).isTrue();
        assertThat(p.write(w, new byte[] {'1'}).errnoOrNull()).isEqualTo(Errno.ENODEV);
    }

    @Test
    void R08_forkAfterRevokeGivesAnEmptyChildThatGetsSigbus() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 2, 0);
        p.load(Sim.page(v, 0));
        sim.object().revoke("test");
        Process child = p.fork();
        Vma c = child.mm().vmas().get(0);
        assertThat(child.mm().populatedPages(c)).isZero();
        assertThat(child.load(Sim.page(c, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(c.id()).isNotEqualTo(v.id());
    }

    @Test
    void R10_partialMunmapThenRevokeZapsBothRemainingPieces() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 4, 0);
        for (int i = 0; i < 4; i++) {
            assertThat(p.load(Sim.page(v, i)).isOk()).isTrue();
        }
        long start = v.start();
        assertThat(p.munmap(Sim.page(v, 1), 1).isOk()).isTrue();
        assertThat(p.mm().vmas()).hasSize(2);
        assertThat(p.mm().vmas()).allMatch(piece -> piece.id().equals(v.id()));
        assertThat(p.mm().pageTable().present()).isEqualTo(3);
        assertThat(p.load(start + Sim.PAGES * 0 + 4096).signal()).isEqualTo(Signal.SIGSEGV);

        RevocableObject.RevokeOutcome o = sim.object().revoke("test");
        assertThat(o.vmas()).isEqualTo(2);
        assertThat(o.ptes()).isEqualTo(3);
        assertThat(p.mm().pageTable().present()).isZero();
        assertThat(p.load(start).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.load(start + 3 * 4096).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event))
                .contains(new RevokeEvent.VmaUnmapped(Sim.OBJECT, v.id(), 1, 1));
    }

    @Test
    void R11_mremapMovesTheVmaWithItsPtesAndRevokeZapsItWhereItIs() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 2, 0);
        p.store(Sim.page(v, 1), 99);
        long old = v.start();
        long moved = p.mremap(old, 2, 2, true).value();
        assertThat(moved).isNotEqualTo(old);
        int faults = sim.driver().faults();
        assertThat(p.load(moved + 4096).value()).isEqualTo(99);
        assertThat(sim.driver().faults()).isEqualTo(faults); // the PTE moved with the VMA
        assertThat(p.load(old).signal()).isEqualTo(Signal.SIGSEGV);

        RevocableObject.RevokeOutcome o = sim.object().revoke("test");
        assertThat(o.ptes()).isEqualTo(1);
        assertThat(p.load(moved + 4096).signal()).isEqualTo(Signal.SIGBUS);
    }

    @Test
    void R20_ptraceAccessWorksBeforeRevokeAndIsEinvalAfter() {
        Sim sim = new Sim();
        Process p = sim.root();
        Process tracer = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 1, 0);
        p.store(Sim.page(v, 0), 7);
        assertThat(tracer.accessRemote(p, Sim.page(v, 0), 0, false).value()).isEqualTo(7);
        sim.object().revoke("test");
        assertThat(tracer.accessRemote(p, Sim.page(v, 0), 0, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(sim.log().events().get(sim.log().size() - 1).event())
                .isEqualTo(new RevokeEvent.AccessRefused(Sim.OBJECT, "access", "EINVAL", null, v.id()));
    }

    @Test
    void R21_manyReadersAndFaultersWhileRevokeRuns() throws Exception {
        Sim sim = new Sim();
        int threads = 4;
        List<Thread> workers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong okAfterRevokeReturned = new AtomicLong();
        AtomicBoolean revoked = new AtomicBoolean();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Process p = sim.root();
            OpenFile f = sim.open(p);
            boolean reader = t % 2 == 0;
            Thread th = new Thread(() -> {
                running.countDown();
                long i = 0;
                while (!stop.get()) {
                    boolean done = revoked.get();
                    boolean ok;
                    if (reader) {
                        ok = p.read(f, 4).isOk();
                    } else {
                        Result<Vma> m = p.mmap(f, 1, i++ % Sim.PAGES, true);
                        ok = m.isOk() && p.load(m.value().start()).isOk();
                        if (m.isOk()) {
                            p.munmap(m.value().start(), 1);
                        }
                    }
                    if (done && ok) {
                        okAfterRevokeReturned.incrementAndGet();
                    }
                }
            });
            workers.add(th);
            th.start();
        }
        assertThat(running.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(50);
        CompletableFuture<RevocableObject.RevokeOutcome> revoke = async(() -> sim.object().revoke("test"));
        revoke.get(TIMEOUT_S, TimeUnit.SECONDS);
        revoked.set(true);
        Thread.sleep(50);
        stop.set(true);
        for (Thread th : workers) {
            th.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
            assertThat(th.isAlive()).isFalse();
        }
        assertThat(okAfterRevokeReturned.get()).isZero();
        long started = seqOf(sim, RevokeEvent.RevokeStarted.class);
        assertThat(sim.log().eventsOf(Sim.OBJECT)).filteredOn(e -> e.seq() > started)
                .noneMatch(e -> e.event() instanceof RevokeEvent.Faulted || e.event() instanceof RevokeEvent.Mmapped
                        || e.event() instanceof RevokeEvent.FileOpened);
        for (Process p : sim.kernel().processes()) {
            assertThat(p.mm().pageTable().present()).isZero();
        }
    }

    @Test
    void R22_twoRevokersRacingGiveOneLifeOfEvents() throws Exception {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        TestDriver.Gate gate = new TestDriver.Gate();
        sim.driver().setReadGate(gate);
        CompletableFuture<Result<byte[]>> inFlight = async(() -> p.read(f, 4));
        assertThat(gate.awaitEntered(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<RevocableObject.RevokeOutcome> a = async(() -> sim.object().revoke("a"));
        CompletableFuture<RevocableObject.RevokeOutcome> b = async(() -> sim.object().revoke("b"));
        settle();
        assertThat(a).isNotDone();
        assertThat(b).isNotDone(); // the second waits for the first
        gate.open();
        inFlight.get(TIMEOUT_S, TimeUnit.SECONDS);
        RevocableObject.RevokeOutcome oa = a.get(TIMEOUT_S, TimeUnit.SECONDS);
        RevocableObject.RevokeOutcome ob = b.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(List.of(oa.first(), ob.first())).containsExactlyInAnyOrder(true, false);
        assertThat(sim.object().revoke("c").first()).isFalse();
        assertThat(sim.typesOf(Sim.OBJECT)).filteredOn(t -> t.startsWith("Revoke") || t.equals("MappingsZapped"))
                .containsExactly("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
    }

    private static List<RevokeEvent> releases(Sim sim) {
        return sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event)
                .filter(e -> e instanceof RevokeEvent.FileReleased).toList();
    }
}
