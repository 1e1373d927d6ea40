package io.revokefs.core.conformance;

import io.revokefs.core.testing.Async;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import io.revokefs.history.Auditor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one conformance suite every adapter runs: the rows of docs/semantics.md section 4 through the
 * adapter's own errno table, and the docs/races.md cases that apply to any adapter. An adapter's test
 * class extends this and returns its {@link AdapterFixture}; cases the fixture declares not
 * applicable are skipped with the fixture's reason (and listed in docs/conformance.md).
 *
 * <p>Threads are held in flight at chosen points with {@link PauseAt} (no hook in the adapter), so
 * each ordering a case names is forced, not hoped for. After every test the object's events are
 * checked against the section 7 invariants by revoke-history's {@link Auditor}, the one checker
 * of logs (the whole log: every object in the adapter's world).
 */
public abstract class ConformanceSuite {
    static final long TIMEOUT_S = 10;

    private AdapterFixture.Subject current;

    /** The adapter under test. */
    protected abstract AdapterFixture fixture();

    // ---------------------------------------------------------------- helpers

    private AdapterFixture.Subject subject(Case c) {
        String reason = fixture().notApplicable().get(c);
        Assumptions.assumeTrue(reason == null, () -> fixture().adapter() + ": " + c + " not applicable: " + reason);
        current = fixture().create();
        return current;
    }

    private ErrnoTable errnos() {
        return fixture().errnos();
    }

    @AfterEach
    void logObeysTheSection7Invariants() {
        if (current != null) {
            assertThat(Auditor.audit(current.log().events()))
                    .as("section 7 invariants of the log of %s", current.objectId()).isEmpty();
        }
    }

    /**
     * The adapter keeps to the public API: no class of its main package depends on
     * {@code io.revokefs.kernel.internal} (the explorer's hooks, the lock-order checker, the kernel's
     * library-only entry points) or {@code io.revokefs.core.internal} (the library's planted bugs).
     * The library's own reference device is exempt.
     */
    @Test
    void adapterUsesNoInternalApi() {
        String pkg = fixture().mainPackage();
        Assumptions.assumeFalse(pkg.startsWith("io.revokefs.core"), "the library's own reference device");
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(pkg);
        assertThat(classes).as("main classes of %s", pkg).isNotEmpty();
        ArchRuleDefinition.noClasses().that().resideInAPackage(pkg + "..")
                .should().dependOnClassesThat().resideInAnyPackage("io.revokefs.core.internal..", "io.revokefs.kernel.internal..")
                .because("adapters use the public API of revoke-core and revoke-kernel only (docs/architecture.md, public types)")
                .check(classes);
    }

    private static Process root(AdapterFixture.Subject s) {
        return s.kernel().newProcess(0);
    }

    private static OpenFile open(AdapterFixture.Subject s, Process p) {
        Result<OpenFile> r = s.open(p);
        assertThat(r.errnoOrNull()).as("open before revoke").isNull();
        return r.value();
    }

    private static Vma mmap(AdapterFixture.Subject s, Process p, OpenFile f, long pages) {
        Result<Vma> r = s.mmap(p, f, pages, s.mapOffset());
        assertThat(r.errnoOrNull()).as("mmap before revoke").isNull();
        return r.value();
    }

    private static long page(Vma v, long i) {
        return v.start() + i * Kernel.PAGE_SIZE;
    }

    private static void populate(Process p, Vma v, long pages) {
        for (long i = 0; i < pages; i++) {
            assertThat(p.load(page(v, i)).isOk()).as("load of page %d before revoke", i).isTrue();
        }
    }

    private static void assertNoPteSurvives(AdapterFixture.Subject s) {
        for (Process p : s.kernel().processes()) {
            assertThat(p.mm().pageTable().present()).as("PTEs left in %s", p).isZero();
        }
    }

    private static List<RevokeEvent> eventsOf(AdapterFixture.Subject s, Class<? extends RevokeEvent> type) {
        return s.log().eventsOf(s.objectId()).stream().map(RecordedEvent::event).filter(type::isInstance).toList();
    }

    private static long seqOf(AdapterFixture.Subject s, Class<? extends RevokeEvent> type) {
        return s.log().eventsOf(s.objectId()).stream().filter(e -> type.isInstance(e.event()))
                .mapToLong(RecordedEvent::seq).findFirst().orElse(-1);
    }

    private static void awaitEvent(AdapterFixture.Subject s, Class<? extends RevokeEvent> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (seqOf(s, type) < 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + type.getSimpleName() + " within " + TIMEOUT_S + " s");
            }
            Thread.sleep(1);
        }
    }

    private static final String GUARD = "io.revokefs.core.Guard";
    private static final String WAIT_QUEUE = "io.revokefs.kernel.WaitQueue";
    private static final String REVOCABLE = "io.revokefs.core.RevocableObject";
    private static final String LOCK = "io.revokefs.kernel.internal.TrackedLock";

    /** A step on a thread of its own, with the thread at hand for {@link #awaitBlockedIn}. */
    private record Step<T>(Thread thread, CompletableFuture<T> result) {
        static <T> Step<T> supply(java.util.function.Supplier<T> work) {
            Async.Started<T> s = Async.start(work);
            return new Step<>(s.thread(), s.result());
        }

        static Step<Void> run(Runnable work) {
            return supply(() -> {
                work.run();
                return null;
            });
        }

        T get() throws Exception {
            return result.get(TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits until {@code t} is parked or blocked inside {@code method} of the class named {@code type}
     * (its state WAITING, TIMED_WAITING or BLOCKED and that frame on its stack): proof that it is held
     * there, not that some time went by. Fails if the thread ends first or within the timeout.
     */
    private static void awaitBlockedIn(Thread t, String type, String method) throws InterruptedException {
        awaitBlockedIn(t, type + "." + method, f -> f.getClassName().equals(type) && f.getMethodName().equals(method));
    }

    /** {@link #awaitBlockedIn(Thread, String, String)} for a wait that may go through either of two queues. */
    private static void awaitBlockedInAWait(Thread t) throws InterruptedException {
        awaitBlockedIn(t, "a wait", f -> (f.getClassName().equals(WAIT_QUEUE) && f.getMethodName().equals("waitEvent"))
                || (f.getClassName().equals("io.revokefs.kernel.internal.Interleave") && f.getMethodName().equals("awaitUntil")));
    }

    private static void awaitBlockedIn(Thread t, String where, java.util.function.Predicate<StackTraceElement> frame)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (true) {
            Thread.State st = t.getState();
            if ((st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING || st == Thread.State.BLOCKED)
                    && java.util.Arrays.stream(t.getStackTrace()).anyMatch(frame)) {
                return;
            }
            if (!t.isAlive()) {
                throw new AssertionError(t.getName() + " ended instead of blocking in " + where);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.getName() + " not blocked in " + where + " within " + TIMEOUT_S + " s: "
                        + st + " at " + java.util.Arrays.toString(t.getStackTrace()));
            }
            Thread.sleep(1);
        }
    }

    private static CompletableFuture<Void> async(Runnable r) {
        return Async.run(r);
    }

    // ---------------------------------------------------------------- section 4 rows

    @Test
    void openAfterRevokeFailsWithTheAdaptersErrno() {
        AdapterFixture.Subject s = subject(Case.ROW_OPEN);
        Process p = root(s);
        open(s, p);
        s.revoke();
        assertThat(s.open(p).errnoOrNull()).isEqualTo(errnos().open());
    }

    @Test
    void readAndWriteAfterRevokeFailWithTheAdaptersErrnos() {
        AdapterFixture.Subject s = subject(Case.ROW_READ_WRITE);
        Process p = root(s);
        OpenFile f = open(s, p);
        s.revoke();
        assertThat(p.read(f, s.readCount()).errnoOrNull()).isEqualTo(errnos().read());
        assertThat(p.write(f, s.writeData()).errnoOrNull()).isEqualTo(errnos().write());
        assertThat(eventsOf(s, RevokeEvent.AccessRefused.class)).containsExactly(
                new RevokeEvent.AccessRefused(s.objectId(), "read", errnos().read().name(), f.id(), null),
                new RevokeEvent.AccessRefused(s.objectId(), "write", errnos().write().name(), f.id(), null));
    }

    @Test
    void pollAfterRevokeReturnsTheAdaptersMask() {
        AdapterFixture.Subject s = subject(Case.ROW_POLL);
        Process p = root(s);
        OpenFile f = open(s, p);
        s.revoke();
        assertThat(p.poll(f).value()).isEqualTo(errnos().poll());
    }

    @Test
    void ioctlAfterRevokeFailsWithTheAdaptersErrnoOrIsNotGuarded() {
        AdapterFixture.Subject s = subject(Case.ROW_IOCTL);
        Process p = root(s);
        OpenFile f = open(s, p);
        Result<Long> before = p.ioctl(f, s.ioctlCommand(), 0);
        s.revoke();
        Result<Long> after = p.ioctl(f, s.ioctlCommand(), 0);
        if (errnos().ioctl() != null) {
            assertThat(after.errnoOrNull()).isEqualTo(errnos().ioctl());
        } else {
            assertThat(after).as("an unguarded ioctl behaves as before revoke").isEqualTo(before);
            assertThat(eventsOf(s, RevokeEvent.AccessRefused.class)).isEmpty();
        }
    }

    @Test
    void llseekAfterRevokeFailsWithTheAdaptersErrnoOrIsNotGuarded() {
        AdapterFixture.Subject s = subject(Case.ROW_LLSEEK);
        Process p = root(s);
        OpenFile f = open(s, p);
        Result<Long> before = p.llseek(f, 0, 0);
        s.revoke();
        Result<Long> after = p.llseek(f, 0, 0);
        if (errnos().llseek() != null) {
            assertThat(after.errnoOrNull()).isEqualTo(errnos().llseek());
        } else {
            assertThat(after).as("an unguarded llseek behaves as before revoke").isEqualTo(before);
            assertThat(eventsOf(s, RevokeEvent.AccessRefused.class)).isEmpty();
        }
    }

    @Test
    void mmapAfterRevokeFailsWithTheAdaptersErrnoAndLeavesExistingVmas() {
        AdapterFixture.Subject s = subject(Case.ROW_MMAP);
        Process p = root(s);
        OpenFile f = open(s, p);
        Vma v = mmap(s, p, f, 1);
        s.revoke();
        assertThat(s.mmap(p, f, 1, s.mapOffset()).errnoOrNull()).isEqualTo(errnos().mmap());
        assertThat(p.mm().vmas()).containsExactly(v);
        assertThat(eventsOf(s, RevokeEvent.MmapRefused.class)).singleElement()
                .isInstanceOfSatisfying(RevokeEvent.MmapRefused.class, r -> assertThat(r.errno()).isEqualTo(errnos().mmap()));
    }

    @Test
    void accessAfterRevokeRaisesSigbusAndTheVmaStays() {
        AdapterFixture.Subject s = subject(Case.ROW_FAULT);
        Process p = root(s);
        OpenFile f = open(s, p);
        Vma v = mmap(s, p, f, 2);
        populate(p, v, 2);
        RevokeOutcomeView o = revokeAndCount(s);
        assertThat(o.ptes).isEqualTo(2);
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.store(page(v, 1), 5).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().vmas()).containsExactly(v);
        assertThat(p.mm().populatedPages(v)).isZero();
    }

    /** What a revoke zapped, read from the log (the adapter's revoke entry point returns nothing). */
    private record RevokeOutcomeView(long vmas, long ptes) {
    }

    private static RevokeOutcomeView revokeAndCount(AdapterFixture.Subject s) {
        s.revoke();
        long vmas = 0;
        long ptes = 0;
        for (RevokeEvent e : eventsOf(s, RevokeEvent.MappingsZapped.class)) {
            vmas += ((RevokeEvent.MappingsZapped) e).vmas();
            ptes += ((RevokeEvent.MappingsZapped) e).ptes();
        }
        return new RevokeOutcomeView(vmas, ptes);
    }

    // ---------------------------------------------------------------- races

    @Test
    void R01_readInFlightWhenRevokeStartsCompletesAndLaterReadsFail() throws Exception {
        AdapterFixture.Subject s = subject(Case.R01);
        Process p = root(s);
        OpenFile f = open(s, p);
        s.makeReadable();
        AtomicReference<Result<byte[]>> inFlight = new AtomicReference<>();
        PauseAt reader = new PauseAt(l -> l.equals("guard exit"), () -> inFlight.set(p.read(f, s.readCount()))).start();
        try {
            reader.awaitPaused();
            Step<Void> revoke = Step.run(s::revoke);
            awaitEvent(s, RevokeEvent.RevokeStarted.class);
            assertThat(p.read(f, s.readCount()).errnoOrNull()).isEqualTo(errnos().read());
            awaitBlockedIn(revoke.thread(), GUARD, "drain");
            assertThat(revoke.result()).as("revoke waits in the drain for the read in flight").isNotDone();
            assertThat(seqOf(s, RevokeEvent.RevokeDrained.class)).isNegative();
            reader.resume();
            reader.join();
            revoke.get();
        } finally {
            reader.join();
        }
        assertThat(inFlight.get().errnoOrNull()).as("the read in flight completes normally").isNull();
        assertThat(((RevokeEvent.RevokeDrained) eventsOf(s, RevokeEvent.RevokeDrained.class).get(0)).waited()).isPositive();
    }

    @Test
    void R02_faultInFlightCompletesThenTheZapRemovesItsPte() throws Exception {
        AdapterFixture.Subject s = subject(Case.R02);
        Process p = root(s);
        OpenFile f = open(s, p);
        Vma v = mmap(s, p, f, 1);
        AtomicReference<MemoryAccess> load = new AtomicReference<>();
        // The faulting thread is held first inside ->fault (insert_pfn), then once the fault has
        // returned and before the access retries ("fault done"), so the whole revoke runs in between.
        AtomicInteger stage = new AtomicInteger();
        PauseAt faulter = new PauseAt(l -> (stage.get() == 0 && l.startsWith("insert_pfn"))
                || (stage.get() == 1 && l.startsWith("fault done")), () -> load.set(p.load(page(v, 0)))).start();
        Step<Void> revoke;
        try {
            faulter.awaitPaused();
            stage.set(1);
            revoke = Step.run(s::revoke);
            awaitBlockedIn(revoke.thread(), GUARD, "drain");
            assertThat(revoke.result()).as("revoke waits in the drain for the fault in flight").isNotDone();
            assertThat(seqOf(s, RevokeEvent.RevokeStarted.class)).as("RevokeStarted waits for the fault").isNegative();
            faulter.resumeAndPauseAgain();
            revoke.get();
        } finally {
            faulter.join();
        }
        // The fault installed its PFN before RevokeStarted, the zap removed it, and the retried
        // access faults again, refused: the access in flight ends in SIGBUS.
        assertThat(load.get().signal()).isEqualTo(Signal.SIGBUS);
        assertThat(seqOf(s, RevokeEvent.Faulted.class)).as("the fault in flight installed its PFN").isPositive()
                .isLessThan(seqOf(s, RevokeEvent.RevokeStarted.class));
        assertNoPteSurvives(s);
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
    }

    @Test
    void R03_mmapRacingRevokeEitherFailsOrIsZapped() throws Exception {
        AdapterFixture.Subject s = subject(Case.R03);
        Process p = root(s);
        OpenFile f = open(s, p);
        AtomicBoolean refused = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        List<Vma> mapped = new ArrayList<>();
        CompletableFuture<Void> mapper = async(() -> {
            running.countDown();
            for (int i = 0; i < 100_000 && !refused.get(); i++) {
                Result<Vma> r = s.mmap(p, f, 1, s.mapOffset());
                if (!r.isOk()) {
                    assertThat(r.errnoOrNull()).isEqualTo(errnos().mmap());
                    refused.set(true);
                } else {
                    p.load(r.value().start());
                    synchronized (mapped) {
                        mapped.add(r.value());
                    }
                    if (i % 8 == 7) {
                        p.munmap(r.value().start(), 1);
                    }
                }
            }
        });
        running.await();
        Thread.sleep(5);
        s.revoke();
        mapper.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(refused).as("an mmap after revoke is refused").isTrue();
        assertNoPteSurvives(s);
    }

    @Test
    void R05_closeWinsTheRaceAndRevokeWaitsForItsRelease() throws Exception {
        AdapterFixture.Subject s = subject(Case.R05);
        Process p = root(s);
        OpenFile f = open(s, p);
        PauseAt closer = new PauseAt(l -> l.equals("release " + f.id()), () -> p.close(f)).start();
        CompletableFuture<Void> revoke;
        try {
            closer.awaitPaused();
            Step<Void> revoker = Step.run(s::revoke);
            awaitBlockedIn(revoker.thread(), REVOCABLE, "releaseOnce");
            revoke = revoker.result();
            assertThat(revoke).as("the loser waits for the release in progress").isNotDone();
        } finally {
            closer.join();
        }
        revoke.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class))
                .containsExactly(new RevokeEvent.FileReleased(s.objectId(), f.id(), ReleaseCause.CLOSE));
        assertThat(seqOf(s, RevokeEvent.FileReleased.class)).isLessThan(seqOf(s, RevokeEvent.RevokeCompleted.class));
    }

    @Test
    void R05_revokeWinsTheRaceAndCloseWaitsForItsRelease() throws Exception {
        AdapterFixture.Subject s = subject(Case.R05);
        Process p = root(s);
        OpenFile f = open(s, p);
        PauseAt revoker = new PauseAt(l -> l.equals("release " + f.id()), s::revoke).start();
        CompletableFuture<Result<Void>> close;
        try {
            revoker.awaitPaused();
            Step<Result<Void>> closer = Step.supply(() -> p.close(f));
            awaitBlockedIn(closer.thread(), REVOCABLE, "releaseOnce");
            close = closer.result();
            assertThat(close).as("close waits for the revoke's release").isNotDone();
        } finally {
            revoker.join();
        }
        assertThat(close.get(TIMEOUT_S, TimeUnit.SECONDS).isOk()).isTrue();
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class))
                .containsExactly(new RevokeEvent.FileReleased(s.objectId(), f.id(), ReleaseCause.REVOKE));
        assertThat(seqOf(s, RevokeEvent.FileReleased.class)).isLessThan(seqOf(s, RevokeEvent.FileClosed.class));
    }

    @Test
    void R06_closeAfterRevokeSucceedsWithoutASecondRelease() {
        AdapterFixture.Subject s = subject(Case.R06);
        Process p = root(s);
        OpenFile f = open(s, p);
        Vma v = mmap(s, p, f, 1);
        s.revoke();
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class))
                .containsExactly(new RevokeEvent.FileReleased(s.objectId(), f.id(), ReleaseCause.REVOKE));
        assertThat(p.close(f).isOk()).isTrue();
        assertThat(p.munmap(v.start(), 1).isOk()).isTrue();
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class)).hasSize(1);
        assertThat(s.log().eventsOf(s.objectId()).stream().map(RecordedEvent::type)).endsWith("VmaUnmapped", "FileClosed");
    }

    @Test
    void R08_forkAfterRevokeGivesAnEmptyChildThatGetsSigbus() {
        AdapterFixture.Subject s = subject(Case.R08);
        Process p = root(s);
        Vma v = mmap(s, p, open(s, p), 2);
        populate(p, v, 2);
        s.revoke();
        Process child = p.fork();
        Vma c = child.mm().vmas().get(0);
        assertThat(child.mm().populatedPages(c)).isZero();
        assertThat(child.load(page(c, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(eventsOf(s, RevokeEvent.VmaDuplicated.class))
                .containsExactly(new RevokeEvent.VmaDuplicated(s.objectId(), c.id(), v.id(), child.pid(), 0));
    }

    @Test
    void R09_forkRacingRevokeLeavesNoLivePte() throws Exception {
        AdapterFixture.Subject s = subject(Case.R09);
        Process p = root(s);
        Vma v = mmap(s, p, open(s, p), 2);
        populate(p, v, 2);
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Void> forker = async(() -> {
            running.countDown();
            for (int i = 0; i < 200 && !done.get(); i++) {
                p.fork();
            }
        });
        running.await();
        s.revoke();
        done.set(true);
        forker.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertNoPteSurvives(s);
    }

    @Test
    void R10_partialMunmapThenRevokeZapsBothRemainingPieces() {
        AdapterFixture.Subject s = subject(Case.R10);
        Process p = root(s);
        Vma v = mmap(s, p, open(s, p), 4);
        populate(p, v, 4);
        long start = v.start();
        assertThat(p.munmap(page(v, 1), 1).isOk()).isTrue();
        assertThat(p.mm().vmas()).hasSize(2).allMatch(piece -> piece.id().equals(v.id()));
        RevokeOutcomeView o = revokeAndCount(s);
        assertThat(o.vmas).isEqualTo(2);
        assertThat(o.ptes).isEqualTo(3);
        assertNoPteSurvives(s);
        assertThat(p.load(start).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.load(start + Kernel.PAGE_SIZE).signal()).isEqualTo(Signal.SIGSEGV);
        assertThat(p.load(start + 3 * Kernel.PAGE_SIZE).signal()).isEqualTo(Signal.SIGBUS);
    }

    @Test
    void R11_mremapMovesTheVmaWithItsPtesAndRevokeZapsItWhereItIs() {
        AdapterFixture.Subject s = subject(Case.R11);
        Process p = root(s);
        Vma v = mmap(s, p, open(s, p), 2);
        assertThat(p.store(page(v, 1), 99).isOk()).isTrue();
        long old = v.start();
        long moved = p.mremap(old, 2, 2, true).value();
        assertThat(moved).isNotEqualTo(old);
        assertThat(p.load(moved + Kernel.PAGE_SIZE).value()).isEqualTo(99);
        assertThat(p.load(old).signal()).isEqualTo(Signal.SIGSEGV);
        s.revoke();
        assertNoPteSurvives(s);
        assertThat(p.load(moved + Kernel.PAGE_SIZE).signal()).isEqualTo(Signal.SIGBUS);
    }

    @Test
    void R17_readerBlockedWaitingForAnEventWakesWithEioOnRevoke() throws Exception {
        AdapterFixture.Subject s = subject(Case.R17);
        Process p = root(s);
        OpenFile f = open(s, p);
        Step<Result<byte[]>> reader = Step.supply(() -> p.read(f, s.readCount()));
        awaitBlockedInAWait(reader.thread());
        CompletableFuture<Result<byte[]>> read = reader.result();
        assertThat(read).as("the read sleeps until an event").isNotDone();
        CompletableFuture<Void> revoke = async(s::revoke);
        assertThat(read.get(TIMEOUT_S, TimeUnit.SECONDS).errnoOrNull()).isEqualTo(io.revokefs.kernel.Errno.EIO);
        revoke.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    @Test
    void R19_pollWaiterWakesWithTheAdaptersErrorMask() throws Exception {
        AdapterFixture.Subject s = subject(Case.R19);
        Process p = root(s);
        OpenFile f = open(s, p);
        s.beforePoll(p, f);
        Step<Result<Set<PollBit>>> poller = Step.supply(() -> p.pollWait(f, s.pollInterest()));
        awaitBlockedInAWait(poller.thread());
        CompletableFuture<Result<Set<PollBit>>> poll = poller.result();
        assertThat(poll).as("the poll sleeps until an event").isNotDone();
        s.revoke();
        assertThat(poll.get(TIMEOUT_S, TimeUnit.SECONDS).value()).isEqualTo(errnos().poll());
    }

    @Test
    void R19_pollWaiterWakesOnAnEventBeforeRevoke() throws Exception {
        AdapterFixture.Subject s = subject(Case.R19);
        Process p = root(s);
        OpenFile f = open(s, p);
        s.beforePoll(p, f);
        Step<Result<Set<PollBit>>> poller = Step.supply(() -> p.pollWait(f, s.pollInterest()));
        awaitBlockedInAWait(poller.thread());
        CompletableFuture<Result<Set<PollBit>>> poll = poller.result();
        assertThat(poll).as("the poll sleeps until an event").isNotDone();
        s.interrupt();
        assertThat(poll.get(TIMEOUT_S, TimeUnit.SECONDS).value()).containsAll(s.pollInterest());
    }

    @Test
    void R20_ptraceAccessWorksBeforeRevokeAndFailsWithTheAdaptersErrnoAfter() {
        AdapterFixture.Subject s = subject(Case.R20);
        Process p = root(s);
        Process tracer = root(s);
        Vma v = mmap(s, p, open(s, p), 1);
        assertThat(p.store(page(v, 0), 7).isOk()).isTrue();
        assertThat(tracer.accessRemote(p, page(v, 0), 0, false).value()).isEqualTo(7);
        s.revoke();
        assertThat(tracer.accessRemote(p, page(v, 0), 0, false).errnoOrNull()).isEqualTo(errnos().access());
        assertThat(tracer.ptracePeek(p, page(v, 0)).errnoOrNull()).as("PTRACE_PEEKDATA: generic_ptrace_peekdata")
                .isEqualTo(io.revokefs.kernel.Errno.EIO);
        assertThat(tracer.procMemAccess(p, page(v, 0), 0, false).errnoOrNull()).as("a read of /proc/pid/mem: mem_rw")
                .isEqualTo(io.revokefs.kernel.Errno.EIO);
        assertThat(eventsOf(s, RevokeEvent.AccessRefused.class)).as("each event keeps the op's own result").hasSize(3)
                .containsOnly(new RevokeEvent.AccessRefused(s.objectId(), "access", errnos().access().name(), null, v.id()));
    }

    @Test
    void R21_manyReadersAndFaultersWhileRevokeRunsAndNothingEntersAfterIt() throws Exception {
        AdapterFixture.Subject s = subject(Case.R21);
        int threads = 3;
        List<Thread> workers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean revoked = new AtomicBoolean();
        AtomicLong okAfterRevokeReturned = new AtomicLong();
        CountDownLatch running = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Process p = root(s);
            OpenFile f = open(s, p);
            boolean reader = t == 0;
            Thread th = new Thread(() -> {
                running.countDown();
                while (!stop.get()) {
                    boolean after = revoked.get();
                    boolean ok;
                    if (reader) {
                        ok = p.read(f, s.readCount()).isOk();
                    } else {
                        Result<Vma> m = s.mmap(p, f, 1, s.mapOffset());
                        ok = m.isOk() && p.load(m.value().start()).isOk();
                        if (m.isOk()) {
                            p.munmap(m.value().start(), 1);
                        }
                    }
                    if (after && ok) {
                        okAfterRevokeReturned.incrementAndGet();
                    }
                }
            }, "r21-" + t);
            workers.add(th);
            th.start();
        }
        running.await();
        for (int i = 0; i < 5; i++) {
            s.makeReadable();
            Thread.sleep(5);
        }
        CompletableFuture<Void> revoke = async(s::revoke);
        revoke.get(TIMEOUT_S, TimeUnit.SECONDS);
        revoked.set(true);
        Thread.sleep(20);
        stop.set(true);
        for (Thread th : workers) {
            th.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
            assertThat(th.isAlive()).as("%s finished", th.getName()).isFalse();
        }
        assertThat(okAfterRevokeReturned).as("operations that succeeded after revoke returned").hasValue(0);
        assertNoPteSurvives(s);
    }

    @Test
    void R22_twoRevokersRacingGiveOneLifeOfEventsAndOneRelease() throws Exception {
        AdapterFixture.Subject s = subject(Case.R22);
        Process p = root(s);
        OpenFile f = open(s, p);
        s.makeReadable();
        PauseAt reader = new PauseAt(l -> l.equals("guard exit"), () -> p.read(f, s.readCount())).start();
        CompletableFuture<Void> a;
        CompletableFuture<Void> b;
        try {
            reader.awaitPaused();
            Step<Void> first = Step.run(s::revoke);
            awaitBlockedIn(first.thread(), GUARD, "drain");
            Step<Void> second = Step.run(s::revoke);
            awaitBlockedInAWait(second.thread());
            a = first.result();
            b = second.result();
            assertThat(a).as("the first revoker waits in the drain").isNotDone();
            assertThat(b).as("the second revoker waits for the first").isNotDone();
            assertThat(java.util.Arrays.stream(second.thread().getStackTrace()).map(StackTraceElement::getMethodName))
                    .as("the second revoker waits for the first, not in a drain of its own").doesNotContain("drain");
        } finally {
            reader.join();
        }
        a.get(TIMEOUT_S, TimeUnit.SECONDS);
        b.get(TIMEOUT_S, TimeUnit.SECONDS);
        s.revoke();
        assertThat(eventsOf(s, RevokeEvent.RevokeStarted.class)).hasSize(1);
        assertThat(eventsOf(s, RevokeEvent.RevokeCompleted.class)).hasSize(1);
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class)).hasSize(1);
    }

    /** A parent and its forked child, both mapping the object with every page populated. */
    private record Family(Process parent, Vma parentVma, Process child) {
        static Family of(AdapterFixture.Subject s) {
            Process p = root(s);
            Vma v = mmap(s, p, open(s, p), 2);
            populate(p, v, 2);
            return new Family(p, v, p.fork());
        }

        void childGetsSigbus() {
            assertThat(child.load(page(parentVma, 0)).signal()).as("the child's access after revoke").isEqualTo(Signal.SIGBUS);
        }
    }

    @Test
    void R24_exitWaitsForTheZapOfItsVmaAndNoFreedPageTableIsUsed() throws Exception {
        AdapterFixture.Subject s = subject(Case.R24);
        Family f = Family.of(s);
        // The revoker is held inside the zap of the parent's VMA: i_mmap_rwsem and the parent's
        // page table lock held, the table about to be written.
        PauseAt revoker = new PauseAt(l -> l.equals("zap " + f.parentVma().id()), s::revoke).start();
        CompletableFuture<Void> exiter;
        try {
            revoker.awaitPaused();
            Step<Void> exit = Step.run(f.parent()::exit);
            awaitBlockedIn(exit.thread(), LOCK, "writeLock");
            exiter = exit.result();
            assertThat(exiter).as("exit cannot free the page table a zap is walking").isNotDone();
        } finally {
            revoker.join();
        }
        exiter.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(f.parent().hasExited()).isTrue();
        assertNoPteSurvives(s);
        f.childGetsSigbus();
    }

    @Test
    void R24_revokeDuringExitZapsWhatIsStillLinkedAndReleasesOnce() throws Exception {
        AdapterFixture.Subject s = subject(Case.R24);
        Family f = Family.of(s);
        // The exiter is held between zapping its own PTEs and unlinking its VMA from i_mmap, with
        // its mmap_lock held: the revoke still finds the VMA, and must neither wait for the exit
        // nor touch a page table the exit frees afterwards.
        PauseAt exiter = new PauseAt(PauseAt.startsWith("lock i_mmap_rwsem"), f.parent()::exit).start();
        try {
            exiter.awaitPaused();
            async(s::revoke).get(TIMEOUT_S, TimeUnit.SECONDS);
        } finally {
            exiter.join();
        }
        assertThat(f.parent().hasExited()).isTrue();
        assertNoPteSurvives(s);
        f.childGetsSigbus();
        f.child().exit();
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class)).as("one release of the one open file").hasSize(1);
    }
}
