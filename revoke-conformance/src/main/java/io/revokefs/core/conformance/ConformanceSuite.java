package io.revokefs.core.conformance;

import io.revokefs.core.testing.Async;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.internal.LockOrder;
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
import java.util.function.LongSupplier;


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
        checkedLockOrderBefore = LockOrder.isChecking();
        LockOrder.clearViolations();
        LockOrder.setChecking(true);
        current = fixture().create();
        return current;
    }

    private boolean checkedLockOrderBefore;

    private ErrnoTable errnos() {
        return fixture().errnos();
    }

    /**
     * After every case: the whole log obeys the section 7 invariants, and no path the case took broke
     * the lock order (mmap_lock, memory_lock, i_mmap_rwsem, page table lock), which is checked on
     * every lock taken while the case runs.
     */
    @AfterEach
    void logObeysTheSection7Invariants() {
        if (current != null) {
            List<String> violations = LockOrder.violations();
            LockOrder.setChecking(checkedLockOrderBefore);
            assertThat(violations).as("lock order while the case ran on %s", fixture().adapter()).isEmpty();
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
    private static final String FILE_STATE = "io.revokefs.core.FileState";
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

    /**
     * {@code held} runs on a thread held at the first point {@code at} accepts; meanwhile {@code op},
     * on a thread of its own, must block in {@code type.method} and not finish until {@code held}
     * goes on. Returns what {@code op} returned; {@code held} has finished too.
     */
    private static <T> T waitsForTheHeld(java.util.function.Predicate<String> at, Runnable held,
                                         java.util.function.Supplier<T> op, String type, String method, String what)
            throws Exception {
        PauseAt holder = new PauseAt(at, held).start();
        Step<T> step;
        try {
            holder.awaitPaused();
            step = Step.supply(op);
            awaitBlockedIn(step.thread(), type, method);
            assertThat(step.result()).as(what).isNotDone();
        } finally {
            holder.join();
        }
        return step.get();
    }

    /** {@link #waitsForTheHeld} with {@code op} held and the revoke waiting; returns what {@code op} returned. */
    private static <T> T revokeWaitsFor(AdapterFixture.Subject s, java.util.function.Predicate<String> at,
                                        java.util.function.Supplier<T> op, String type, String method, String what)
            throws Exception {
        AtomicReference<T> out = new AtomicReference<>();
        waitsForTheHeld(at, () -> out.set(op.get()), () -> {
            s.revoke();
            return null;
        }, type, method, what);
        return out.get();
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
        refusedOrUnguardedAfterRevoke(s, "ioctl", (p, f) -> p.ioctl(f, s.ioctlCommand(), 0), errnos().ioctl());
    }

    @Test
    void llseekAfterRevokeFailsWithTheAdaptersErrnoOrIsNotGuarded() {
        AdapterFixture.Subject s = subject(Case.ROW_LLSEEK);
        refusedOrUnguardedAfterRevoke(s, "llseek", (p, f) -> p.llseek(f, 0, 0), errnos().llseek());
    }

    /** {@code op} after revoke answers {@code cell}, or, for an unguarded op (a null cell), what it answered before. */
    private static void refusedOrUnguardedAfterRevoke(AdapterFixture.Subject s, String name,
                                                      java.util.function.BiFunction<Process, OpenFile, Result<Long>> op,
                                                      io.revokefs.kernel.Errno cell) {
        Process p = root(s);
        OpenFile f = open(s, p);
        Result<Long> before = op.apply(p, f);
        s.revoke();
        Result<Long> after = op.apply(p, f);
        if (cell != null) {
            assertThat(after.errnoOrNull()).isEqualTo(cell);
        } else {
            assertThat(after).as("an unguarded %s behaves as before revoke", name).isEqualTo(before);
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
            awaitBlockedIn(revoker.thread(), FILE_STATE, "releaseOnce");
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
            awaitBlockedIn(closer.thread(), FILE_STATE, "releaseOnce");
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
        // With a closing driver: every copy that got ->open before the revoke is closed by it, once.
        closedOnceAndNeverAfterRevoke(s, -1, -1);
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
        // With a closing driver: the unmapped middle piece at its munmap, the two left at revoke.
        closedOnceAndNeverAfterRevoke(s, 2, 1);
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
        // With a closing driver: the parent's VMA by its exit (the close step waits for its
        // mmap_lock and finds the mm dead), the child's copy by the revoke.
        closedOnceAndNeverAfterRevoke(s, 1, 1);
    }

    @Test
    void R24_revokeDuringExitZapsWhatIsStillLinkedAndReleasesOnce() throws Exception {
        AdapterFixture.Subject s = subject(Case.R24);
        Family f = Family.of(s);
        // The exiter is held between zapping its own PTEs and unlinking its VMA from i_mmap, with
        // its mmap_lock held: the revoke still finds the VMA, and must neither wait for the exit
        // nor touch a page table the exit frees afterwards.
        // With a closing driver the revoke's close step must take the parent's mmap_lock, so there
        // it waits for the exit, which closes the VMA itself (R27).
        boolean closes = s.vmCloses().isPresent();
        PauseAt exiter = new PauseAt(PauseAt.startsWith("lock i_mmap_rwsem"), f.parent()::exit).start();
        Step<Void> revoke;
        try {
            exiter.awaitPaused();
            revoke = Step.run(s::revoke);
            if (closes) {
                awaitBlockedIn(revoke.thread(), LOCK, "readLock");
                assertThat(revoke.result()).as("the close step waits for the exiting mm's mmap_lock").isNotDone();
            } else {
                revoke.get();
            }
        } finally {
            exiter.join();
        }
        revoke.get();
        assertThat(f.parent().hasExited()).isTrue();
        assertNoPteSurvives(s);
        f.childGetsSigbus();
        f.child().exit();
        assertThat(eventsOf(s, RevokeEvent.FileReleased.class)).as("one release of the one open file").hasSize(1);
        closedOnceAndNeverAfterRevoke(s, 1, 1);
    }

    // ---------------------------------------------------------------- vm close (R25-R27)

    /** The subject's count of its driver's vm {@code ->close} calls, or the case is skipped: the driver has none. */
    private LongSupplier vmCloses(AdapterFixture.Subject s, Case c) {
        java.util.Optional<LongSupplier> n = s.vmCloses();
        Assumptions.assumeTrue(n.isPresent(), () -> fixture().adapter() + ": " + c
                + " needs a driver whose vm_ops has close (Subject.vmCloses()); this one has none");
        return n.get();
    }

    /**
     * With a closing driver ({@link AdapterFixture.Subject#vmCloses()}): the driver's own count equals
     * the {@code VmaClosed} events, {@code revoke} of them by the revoke and {@code unmap} by a munmap
     * or exit (-1: any number), all before {@code RevokeCompleted}; and once every process has exited
     * the driver has not been called again. Without one: no {@code VmaClosed} at all. Which piece got
     * which close, and that none got two, the {@link Auditor}'s CLOSE_ONCE checks after the test.
     */
    private static void closedOnceAndNeverAfterRevoke(AdapterFixture.Subject s, long revoke, long unmap) {
        List<RevokeEvent.VmaClosed> closed = eventsOf(s, RevokeEvent.VmaClosed.class).stream()
                .map(RevokeEvent.VmaClosed.class::cast).toList();
        java.util.Optional<LongSupplier> driver = s.vmCloses();
        if (driver.isEmpty()) {
            assertThat(closed).as("a driver without close: no VmaClosed").isEmpty();
            return;
        }
        assertThat(driver.get().getAsLong()).as("the driver's closes, one per VmaClosed").isEqualTo(closed.size());
        if (revoke >= 0) {
            assertThat(closed).as("closes by the revoke").filteredOn(c -> c.cause() == RevokeEvent.VmaClosed.Cause.REVOKE)
                    .hasSize((int) revoke);
        }
        if (unmap >= 0) {
            assertThat(closed).as("closes by munmap or exit").filteredOn(c -> c.cause() == RevokeEvent.VmaClosed.Cause.UNMAP)
                    .hasSize((int) unmap);
        }
        long completed = seqOf(s, RevokeEvent.RevokeCompleted.class);
        assertThat(s.log().eventsOf(s.objectId()).stream().filter(e -> e.event() instanceof RevokeEvent.VmaClosed)
                .mapToLong(RecordedEvent::seq)).as("every close before RevokeCompleted").allMatch(q -> q < completed);
        for (Process p : s.kernel().processes()) {
            if (!p.hasExited()) {
                p.exit();
            }
        }
        assertThat(driver.get().getAsLong()).as("no close after the revoke completed, every process gone").isEqualTo(closed.size());
    }

    /**
     * The revoke held in its close step at {@code v} (its mm's {@code mmap_lock} held for reading,
     * about to close the piece) while {@code op} runs on a thread of its own: {@code op} must wait for
     * that {@code mmap_lock} for writing. Returns what {@code op} returned once the revoke went on.
     */
    private static <T> T waitsForTheCloseStep(AdapterFixture.Subject s, Vma v, java.util.function.Supplier<T> op)
            throws Exception {
        return waitsForTheHeld(l -> l.equals("vm close " + v.id()), s::revoke, op, LOCK, "writeLock",
                "waits for the mmap_lock the close step holds");
    }

    /**
     * {@code op} held at the first point {@code at} accepts with its mm's {@code mmap_lock} held for
     * writing, while the revoke runs: its close step must wait for that {@code mmap_lock} (never take
     * it under {@code i_mmap_rwsem}, never skip the mm). Returns what {@code op} returned.
     */
    private static <T> T holdsMmapLockWhileTheCloseStepWaits(AdapterFixture.Subject s, java.util.function.Predicate<String> at,
                                                             java.util.function.Supplier<T> op) throws Exception {
        return revokeWaitsFor(s, at, op, LOCK, "readLock", "the close step waits for the mm's mmap_lock");
    }

    private static final java.util.function.Predicate<String> UNLINK = PauseAt.startsWith("lock i_mmap_rwsem");

    /** A process with {@code pages} pages of the object mapped and populated. */
    private record Mapped(AdapterFixture.Subject s, Process p, OpenFile f, Vma v) {
        static Mapped of(AdapterFixture.Subject s, long pages) {
            Process p = root(s);
            OpenFile f = open(s, p);
            Vma v = mmap(s, p, f, pages);
            populate(p, v, pages);
            return new Mapped(s, p, f, v);
        }

        Result<Void> munmap(long firstPage, long pages) {
            return p.munmap(page(v, firstPage), pages);
        }
    }

    @Test
    void R03_mmapHeldBeforeItsLinkIsClosedByTheRevokeOnceLinked() throws Exception {
        AdapterFixture.Subject s = subject(Case.R03);
        vmCloses(s, Case.R03);
        Process p = root(s);
        OpenFile f = open(s, p);
        // The mmap has been through ->mmap (it reached the driver before the revoke began) and is
        // not yet in i_mmap: the close step's walk cannot see it, and must wait for it.
        revokeWaitsFor(s, PauseAt.startsWith("mmap before link"), () -> mmap(s, p, f, 1),
                "io.revokefs.kernel.internal.Interleave", "awaitUntil", "the close step waits for the piece being linked");
        assertThat(p.mm().vmas()).hasSize(1);
        closedOnceAndNeverAfterRevoke(s, 1, 0);
    }

    /** The subject of case {@code c} (skipped without a closing driver), {@code pages} pages mapped and populated. */
    private Mapped closingDriverMapping(Case c, long pages) {
        AdapterFixture.Subject s = subject(c);
        vmCloses(s, c);
        return Mapped.of(s, pages);
    }

    @Test
    void R25_munmapWaitingForTheCloseStepFindsThePieceClosedByTheRevoke() throws Exception {
        Mapped m = closingDriverMapping(Case.R25, 2);
        AdapterFixture.Subject s = m.s();
        ok(waitsForTheCloseStep(s, m.v(), () -> m.munmap(0, 2)), "munmap");
        assertThat(m.p().mm().vmas()).isEmpty();
        closedOnceAndNeverAfterRevoke(s, 1, 0);
    }

    @Test
    void R25_munmapHoldingMmapLockClosesThePieceAndTheCloseStepSkipsIt() throws Exception {
        Mapped m = closingDriverMapping(Case.R25, 2);
        AdapterFixture.Subject s = m.s();
        // Held between zapping its PTEs and unlinking the VMA, mmap_lock held for writing.
        ok(holdsMmapLockWhileTheCloseStepWaits(s, UNLINK, () -> m.munmap(0, 2)), "munmap");
        closedOnceAndNeverAfterRevoke(s, 0, 1);
    }

    @Test
    void R26_forkWaitingForTheCloseStepGivesTheChildACopyOwedNoClose() throws Exception {
        Mapped m = closingDriverMapping(Case.R26, 2);
        AdapterFixture.Subject s = m.s();
        Process child = waitsForTheCloseStep(s, m.v(), m.p()::fork);
        assertThat(child.mm().vmas()).as("the copy is made, after the revoke, without ->open").hasSize(1);
        assertThat(child.load(child.mm().vmas().get(0).start()).signal()).isEqualTo(Signal.SIGBUS);
        closedOnceAndNeverAfterRevoke(s, 1, 0);
    }

    @Test
    void R26_forkHoldingMmapLockBeforeItsOpensMakesTheCloseStepWaitAndCloseWhatReachedTheDriver() throws Exception {
        Mapped m = closingDriverMapping(Case.R26, 2);
        AdapterFixture.Subject s = m.s();
        // Held with the copy linked into i_mmap and its ->open not yet called, both mmap_locks held:
        // the close step sees the child's copy but must not close it (the revoke refuses its ->open).
        Process child = holdsMmapLockWhileTheCloseStepWaits(s, PauseAt.startsWith("dup_mmap copied"), m.p()::fork);
        assertThat(child.mm().vmas()).hasSize(1);
        assertNoPteSurvives(s);
        closedOnceAndNeverAfterRevoke(s, 1, 0);
    }

    @Test
    void R26_splitWaitingForTheCloseStepMakesPiecesOwedNoClose() throws Exception {
        Mapped m = closingDriverMapping(Case.R26, 4);
        AdapterFixture.Subject s = m.s();
        ok(waitsForTheCloseStep(s, m.v(), () -> m.munmap(1, 1)), "munmap of the second page");
        assertThat(m.p().mm().vmas()).as("split after the revoke: two pieces").hasSize(2);
        closedOnceAndNeverAfterRevoke(s, 1, 0);
    }

    @Test
    void R26_splitHoldingMmapLockMakesTheCloseStepWaitAndEveryPieceThatReachedTheDriverIsClosedOnce() throws Exception {
        Mapped m = closingDriverMapping(Case.R26, 4);
        AdapterFixture.Subject s = m.s();
        // Held at the first split's relink ([0,1) and [1,4), the new piece opened while the object
        // was live); the second split ([1,2) and [2,4)) runs after the revoke deactivated, so its new
        // piece gets no ->open and is owed no close. The middle piece is closed by the munmap, the
        // first piece by the revoke.
        ok(holdsMmapLockWhileTheCloseStepWaits(s, UNLINK, () -> m.munmap(1, 1)), "munmap of the second page");
        assertThat(m.p().mm().vmas()).hasSize(2);
        assertNoPteSurvives(s);
        closedOnceAndNeverAfterRevoke(s, 1, 1);
    }

    @Test
    void R27_exitWaitingForTheCloseStepFindsItsVmaClosedByTheRevoke() throws Exception {
        Mapped m = closingDriverMapping(Case.R27, 2);
        AdapterFixture.Subject s = m.s();
        waitsForTheCloseStep(s, m.v(), () -> {
            m.p().exit();
            return null;
        });
        assertThat(m.p().hasExited()).isTrue();
        closedOnceAndNeverAfterRevoke(s, 1, 0);
    }

    @Test
    void R27_exitHoldingMmapLockClosesItsVmaAndTheCloseStepSkipsTheDeadMm() throws Exception {
        Mapped m = closingDriverMapping(Case.R27, 2);
        AdapterFixture.Subject s = m.s();
        holdsMmapLockWhileTheCloseStepWaits(s, UNLINK, () -> {
            m.p().exit();
            return null;
        });
        assertThat(m.p().hasExited()).isTrue();
        closedOnceAndNeverAfterRevoke(s, 0, 1);
    }

    // ---------------------------------------------------------------- temporary revoke (R28-R30)

    /** The subject's memory toggle, or the case is skipped: the adapter has none. */
    private AdapterFixture.Memory memory(AdapterFixture.Subject s, Case c) {
        java.util.Optional<AdapterFixture.Memory> m = s.memory();
        Assumptions.assumeTrue(m.isPresent(), () -> fixture().adapter() + ": " + c
                + " needs a memory toggle (Subject.memory()); this adapter's memory never goes away while the object stays");
        return m.get();
    }

    private static void ok(Result<?> r, String what) {
        assertThat(r.errnoOrNull()).as(what).isNull();
    }

    /** Every page of every VMA of {@code p} is back: populated by itself (eager) or at a load. */
    private static void everyPageIsBack(Process p, AdapterFixture.Memory m) {
        for (Vma v : p.mm().vmas()) {
            if (m.eager()) {
                assertThat(p.mm().populatedPages(v)).as("eager: %s populated once memory is on, before any access", v.id())
                        .isEqualTo(v.pages());
            }
            populate(p, v, v.pages());
        }
    }

    @Test
    void R28_faultInFlightWhenMemoryGoesOffInstallsFirstAndIsZapped() throws Exception {
        AdapterFixture.Subject s = subject(Case.R28);
        AdapterFixture.Memory m = memory(s, Case.R28);
        Assumptions.assumeFalse(m.eager(), "eager: the fault handler only raises SIGBUS, no fault is in flight with a PFN to install");
        Process p = root(s);
        OpenFile f = open(s, p);
        OpenFile cfg = open(s, p);
        Vma v = mmap(s, p, f, 1);
        AtomicReference<MemoryAccess> load = new AtomicReference<>();
        ok(waitsForTheHeld(PauseAt.startsWith("insert_pfn"), () -> load.set(p.load(page(v, 0))), () -> m.off(p, cfg),
                LOCK, "writeLock", "memory off waits for the fault holding the memory lock"), "memory off");
        assertThat(load.get().isOk() || load.get().signal() == Signal.SIGBUS).as("the load in flight: %s", load.get()).isTrue();
        // The fault installed its PFN before the zap; its Faulted is recorded only if the PTE is still
        // there when the fault returns (the zap may come first once the memory lock is dropped).
        long faulted = seqOf(s, RevokeEvent.Faulted.class);
        if (faulted > 0) {
            assertThat(faulted).as("the fault's Faulted precedes the zap").isLessThan(seqOf(s, RevokeEvent.MappingsZapped.class));
        }
        assertThat(seqOf(s, RevokeEvent.MappingsZapped.class)).as("memory off zapped").isPositive();
        assertNoPteSurvives(s);
        assertThat(p.load(page(v, 0)).signal()).as("a fault while memory is off").isEqualTo(Signal.SIGBUS);
        ok(m.on(p, cfg), "memory on");
        everyPageIsBack(p, m);
    }

    @Test
    void R28_faultAfterMemoryOffGetsSigbusAndInstallsNothingUntilOn() {
        AdapterFixture.Subject s = subject(Case.R28);
        AdapterFixture.Memory m = memory(s, Case.R28);
        Mapped mapped = offWithTwoPagesMapped(s, m);
        Process p = mapped.p();
        Vma v = mapped.v();
        assertNoPteSurvives(s);
        long faulted = eventsOf(s, RevokeEvent.Faulted.class).size();
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.store(page(v, 1), 3).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(eventsOf(s, RevokeEvent.Faulted.class)).as("no PFN installed while memory is off").hasSize((int) faulted);
        assertNoPteSurvives(s);
        assertThat(p.mm().vmas()).as("the VMA stays").containsExactly(v);
        ok(m.on(p, mapped.f()), "memory on");
        everyPageIsBack(p, m);
    }

    /** A process with two pages of the object mapped and populated, then the memory turned off. */
    private static Mapped offWithTwoPagesMapped(AdapterFixture.Subject s, AdapterFixture.Memory m) {
        Mapped mapped = Mapped.of(s, 2);
        ok(m.off(mapped.p(), mapped.f()), "memory off");
        return mapped;
    }

    @Test
    void R29_memoryOnWhileAnMmapIsHeldBeforeLinkBringsEveryVmaBack() throws Exception {
        AdapterFixture.Subject s = subject(Case.R29);
        AdapterFixture.Memory m = memory(s, Case.R29);
        Mapped mapped = offWithTwoPagesMapped(s, m);
        Process p = mapped.p();
        Process q = root(s);
        OpenFile g = open(s, q);
        // q's mmap is held between ->mmap and its link into i_mmap: the enable's walk cannot see it,
        // so the mmap's own population after link must.
        PauseAt mapper = new PauseAt(PauseAt.startsWith("mmap before link"), () -> mmap(s, q, g, 1)).start();
        try {
            mapper.awaitPaused();
            ok(Step.supply(() -> m.on(p, mapped.f())).get(), "memory on, the mmap held before link");
        } finally {
            mapper.join();
        }
        assertThat(q.mm().vmas()).hasSize(1);
        everyPageIsBack(p, m);
        everyPageIsBack(q, m);
    }

    @Test
    void R29_faultInFlightWhenMemoryComesOnEndsInAPteOrSigbusAndEveryPageIsBack() throws Exception {
        AdapterFixture.Subject s = subject(Case.R29);
        AdapterFixture.Memory m = memory(s, Case.R29);
        Process p = root(s);
        OpenFile f = open(s, p);
        OpenFile cfg = open(s, p);
        Vma v = mmap(s, p, f, 2);
        ok(m.off(p, cfg), "memory off");
        AtomicReference<MemoryAccess> load = new AtomicReference<>();
        // The faulter holds mmap_lock for reading, about to call ->fault; the enable's walk takes the
        // same mmap_lock for reading, then the memory lock.
        PauseAt faulter = new PauseAt(l -> l.equals("fault " + v.id()), () -> load.set(p.load(page(v, 1)))).start();
        try {
            faulter.awaitPaused();
            ok(Step.supply(() -> m.on(p, cfg)).get(), "memory on, a fault in flight");
        } finally {
            faulter.join();
        }
        assertThat(load.get().isOk() || load.get().signal() == Signal.SIGBUS).as("the load in flight: %s", load.get()).isTrue();
        if (!m.eager()) {
            assertThat(load.get().isOk()).as("on fault: the fault after the enable installs its PFN").isTrue();
        }
        everyPageIsBack(p, m);
    }

    @Test
    void R30_memoryOnAndResetAfterRevokeFailAndRepopulateNothing() {
        AdapterFixture.Subject s = subject(Case.R30);
        AdapterFixture.Memory m = memory(s, Case.R30);
        Mapped mapped = offWithTwoPagesMapped(s, m);
        Process p = mapped.p();
        OpenFile f = mapped.f();
        Vma v = mapped.v();
        s.revoke();
        assertThat(m.on(p, f).errnoOrNull()).as("memory on after revoke: the write cell").isEqualTo(errnos().write());
        assertThat(m.reset(p, f).errnoOrNull()).as("reset after revoke: the ioctl cell").isEqualTo(errnos().ioctl());
        assertThat(m.off(p, f).errnoOrNull()).as("memory off after revoke: the write cell").isEqualTo(errnos().write());
        assertNoPteSurvives(s);
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertNoPteSurvives(s);
    }

    @Test
    void R30_memoryOnInFlightWhenRevokeStartsIsZappedByTheRevoke() throws Exception {
        toggleInFlightWhenRevokeStarts(Case.R30, true);
    }

    @Test
    void R30_resetInFlightWhenRevokeStartsIsZappedByTheRevoke() throws Exception {
        toggleInFlightWhenRevokeStarts(Case.R30, false);
    }

    /**
     * A memory on (after an off), or a reset, held inside the adapter's operation once it has done
     * its work ({@code guard exit}: for eager, the walk has repopulated): the revoke drains it, then
     * its zap takes everything away.
     */
    private void toggleInFlightWhenRevokeStarts(Case c, boolean memoryOn) throws Exception {
        AdapterFixture.Subject s = subject(c);
        AdapterFixture.Memory m = memory(s, c);
        Mapped mapped = memoryOn ? offWithTwoPagesMapped(s, m) : Mapped.of(s, 2);
        Process p = mapped.p();
        OpenFile cfg = mapped.f();
        Vma v = mapped.v();
        Result<?> toggled = revokeWaitsFor(s, l -> l.equals("guard exit"), () -> memoryOn ? m.on(p, cfg) : m.reset(p, cfg),
                GUARD, "drain", "the revoke waits for the operation in flight");
        ok(toggled, memoryOn ? "memory on in flight" : "reset in flight");
        assertNoPteSurvives(s);
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.load(page(v, 1)).signal()).isEqualTo(Signal.SIGBUS);
        assertNoPteSurvives(s);
    }

    @Test
    void R30_memoryOnWhileTheRevokeZapsIsRefusedAndRepopulatesNothing() throws Exception {
        AdapterFixture.Subject s = subject(Case.R30);
        AdapterFixture.Memory m = memory(s, Case.R30);
        Mapped mapped = offWithTwoPagesMapped(s, m);
        Process p = mapped.p();
        OpenFile cfg = mapped.f();
        Vma v = mapped.v();
        PauseAt revoker = new PauseAt(l -> l.equals("zap " + v.id()), s::revoke).start();
        try {
            revoker.awaitPaused();
            assertThat(Step.supply(() -> m.on(p, cfg)).get().errnoOrNull())
                    .as("memory on once the revoke has begun: the write cell").isEqualTo(errnos().write());
        } finally {
            revoker.join();
        }
        assertNoPteSurvives(s);
        assertThat(p.load(page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertNoPteSurvives(s);
    }
}
