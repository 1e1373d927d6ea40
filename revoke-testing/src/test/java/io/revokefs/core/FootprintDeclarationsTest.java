package io.revokefs.core;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.testing.Points;
import io.revokefs.core.testing.Sim;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's footprint declarations ({@code Interleave.touch}), step by step: what revoke-explore's
 * sleep sets see of each step (docs/explore.md, "Partial-order reduction"). A step that reads or
 * writes shared state outside a lock without declaring it lets the explorer treat it as commuting
 * with a step it does not commute with, and skip schedules that behave differently; no exploration
 * of a small case need show it (ReductionExploreTest compares whole log sets), so mutation testing
 * found every declaration removable (issue 18 point 12). Each expectation below is the state the
 * step's code accesses, read from the code and named in the comment: the guard's state, cells and
 * drainer (Guard's accessors), an object's or a resource's unlocked fields (its key, "object ID" /
 * "revocable NAME"), a file's release state ("release of FILE"), the event log. Recorded with
 * {@link Points#recordFootprints()}: after each point, the set of the step that followed it.
 */
class FootprintDeclarationsTest {

    /** One step: the point it began at ("" for the first) and its footprint. */
    private record Step(String after, Set<String> footprint) {
    }

    private static List<Step> steps(List<String> labels) {
        List<Step> out = new ArrayList<>();
        String after = "";
        Set<String> fp = new TreeSet<>();
        for (String l : labels) {
            if (l.startsWith("{")) {
                fp.addAll(List.of(l.substring(1, l.length() - 1).split(", ")));
            } else {
                out.add(new Step(after, fp));
                after = l;
                fp = new TreeSet<>();
            }
        }
        out.add(new Step(after, fp));
        out.removeIf(s -> s.after.isEmpty() && s.footprint.isEmpty());
        return out;
    }

    private static List<Step> record(Runnable r) {
        return steps(Points.footprintsOf(r));
    }

    /** The footprint of the {@code n}-th step (from 0) that began at {@code point}. */
    private static Set<String> after(List<Step> steps, String point, int n) {
        return steps.stream().filter(s -> s.after.equals(point)).skip(n).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + n + " after " + point + " in " + steps)).footprint;
    }

    private static Set<String> first(List<Step> steps) {
        return steps.get(0).after.isEmpty() ? steps.get(0).footprint : Set.of();
    }

    // ---------------------------------------------------------------- the guard

    @Test
    void guardEntryAddsToTheCellsAndReadsTheStateAndExitReadsTheDrainerOnceDeactivated() {
        Guard g = new Guard();
        int[] t = new int[1];
        // tryEnter: getAndAddCell (an add), then lvState (the Dekker read).
        assertThat(record(() -> t[0] = g.tryEnter())).containsExactly(
                new Step("guard enter", Set.of("ADD guard cells", "READ guard state")));
        // exit while active: getAndAddCell, lvState; the drainer is not read.
        assertThat(record(() -> g.exit(t[0]))).containsExactly(
                new Step("guard exit", Set.of("ADD guard cells", "READ guard state")));
        int u = g.tryEnter();
        // deactivate: casState.
        assertThat(record(g::deactivate)).containsExactly(new Step("guard deactivate", Set.of("WRITE guard state")));
        // A refused entry reads the state and touches no cell.
        assertThat(record(g::tryEnter)).containsExactly(new Step("guard enter", Set.of("READ guard state")));
        // exit once deactivated: the state says so, then lvDrainer (to unpark a drainer).
        assertThat(record(() -> g.exit(u))).containsExactly(
                new Step("guard exit", Set.of("ADD guard cells", "READ guard drainer", "READ guard state")));
    }

    @Test
    void guardDrainRegistersItselfSumsTheCellsThenMarksTheStateDrainedAndLeaves() {
        Guard g = new Guard();
        g.deactivate();
        // drain: lvState (the precondition), svDrainer(self); at the wait, inFlight's lvCell of every cell;
        // then svState(DRAINED) and svDrainer(null).
        assertThat(record(g::drain)).containsExactly(
                new Step("", Set.of("READ guard state", "WRITE guard drainer")),
                new Step("await guard drain", Set.of("READ guard cells", "WRITE guard drainer", "WRITE guard state")));
    }

    // ---------------------------------------------------------------- a revocable object

    @Test
    void anObjectsReadersDeclareAReadOfItsStateAndANewWaitQueueAWrite() {
        Sim sim = new Sim();
        RevocableObject o = sim.object();
        String object = "object " + Sim.OBJECT;
        // isRevoked: life; openFiles: files; releases: releases.
        assertThat(record(o::isRevoked)).containsExactly(new Step("", Set.of("READ " + object)));
        assertThat(record(o::openFiles)).containsExactly(new Step("", Set.of("READ " + object)));
        assertThat(record(o::releases)).containsExactly(new Step("", Set.of("READ " + object)));
        // newWaitQueue: adds to queues (a write), then isRevoked (a read).
        assertThat(record(() -> o.newWaitQueue("q"))).containsExactly(new Step("", Set.of("READ " + object, "WRITE " + object)));
    }

    @Test
    void recordingAnEventWritesTheEventLogAndReadingTheLogReadsIt() {
        Sim sim = new Sim();
        RevocableObject o = sim.object();
        // recordIfLive: inside the entry guard, record() writes the log.
        assertThat(after(record(() -> o.recordIfLive(new RevokeEvent.MemoryToggled(Sim.OBJECT, RevokeEvent.MemoryToggled.OFF, "test"))), "guard enter", 0))
                .contains("WRITE event log");
        InMemoryEventLog log = sim.log();
        assertThat(record(log::events)).containsExactly(new Step("", Set.of("READ event log")));
        assertThat(record(() -> log.eventsOf(Sim.OBJECT))).containsExactly(new Step("", Set.of("READ event log")));
        assertThat(record(log::size)).containsExactly(new Step("", Set.of("READ event log")));
    }

    @Test
    void anObjectDeclaresItsEventsAsWritesOfTheLogWhateverTheRecorderDeclares() {
        // EventRecorder.discarding() declares nothing: the object's own record() is what declares the
        // append (an InMemoryEventLog declares it too, in the same step).
        io.revokefs.kernel.Kernel kernel = new io.revokefs.kernel.Kernel(io.revokefs.core.event.EventRecorder.discarding());
        RevocableObject o = RevocableObject.builder(kernel, "quiet", "test")
                .operations(new io.revokefs.core.testing.TestDriver(Sim.BASE_PFN, Sim.PAGES)).errnos(ErrnoTable.KERNFS).register();
        assertThat(after(record(() -> o.recordIfLive(new RevokeEvent.MemoryToggled("quiet", RevokeEvent.MemoryToggled.OFF, "test"))),
                "guard enter", 0)).contains("WRITE event log");
    }

    @Test
    void openAddsTheFileAndCloseReleasesItOnceAndRemovesIt() {
        Sim sim = new Sim();
        Process p = sim.root();
        String object = "object " + Sim.OBJECT;
        OpenFile[] f = new OpenFile[1];
        // open: inside the entry guard, files.put (a write of the object).
        assertThat(after(record(() -> f[0] = sim.open(p)), "guard enter", 0)).contains("WRITE " + object);
        String release = "release of " + f[0].id();
        List<Step> close = record(() -> p.close(f[0]));
        // release: files.get (a read of the object), releaseOnce's claim of the file (a write of its
        // release state), before the point "release FILE"; after it, releases.put (a write of the
        // object) and the release state set, then files.remove.
        assertThat(first(close)).contains("READ " + object, "WRITE " + release);
        assertThat(after(close, "release " + f[0].id(), 0)).contains("WRITE " + object, "WRITE " + release, "WRITE event log");
    }

    @Test
    void mmapSetsTheFilesVmOperationsAndMunmapOfAClosingDriverCountsTheClose() {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        String object = "object " + Sim.OBJECT;
        Vma[] v = new Vma[1];
        // mmap: inside the entry guard, the file's vm read and set (a write), and the pieces owed a close
        // counted (an add).
        List<Step> mmap = record(() -> v[0] = sim.mmap(p, f, 2, 0));
        assertThat(after(mmap, "guard enter", 0)).contains("WRITE " + object, "ADD " + object);
        // munmap: the close once run, the owed pieces' count decremented (an add), under locks only the
        // kernel's; the last step, after i_mmap's lock.
        List<Step> munmap = record(() -> p.munmap(v[0].start(), v[0].pages()));
        assertThat(munmap.get(munmap.size() - 1).footprint()).contains("ADD " + object);
    }

    @Test
    void revokeWritesTheObjectFirstAndLastAndReadsItWhereItWalksItsQueuesFilesAndPieces() {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        sim.mmap(p, f, 2, 0);
        String object = "object " + Sim.OBJECT;
        List<Step> revoke = record(() -> sim.object().revoke("test"));
        // The claim of life (a write), before the first point.
        assertThat(first(revoke)).containsExactly("WRITE " + object);
        // After the entry guard's drain: the queues walked and the files' fasync killed (reads).
        assertThat(after(revoke, "await guard drain", 0)).contains("READ " + object, "WRITE event log");
        // The last step: outcome and life set (a write), after the files' release.
        assertThat(revoke.get(revoke.size() - 1).footprint()).contains("WRITE " + object);
        // A second revoke: the claim fails (a write attempted), then outcome read after the wait.
        List<Step> again = record(() -> sim.object().revoke("again"));
        assertThat(again).as("%s", again).allSatisfy(s -> assertThat(s.after()).isEmpty());
        assertThat(first(again)).contains("WRITE " + object, "READ " + object);
    }

    @Test
    void aCloseAfterTheRevokeReleasedTheFileRemovesItWithAWriteOfTheObject() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        sim.object().revoke("test");
        // release: files.get (a read); releaseOnce finds the revoke's release (no point: the wait's
        // condition holds); then files.remove (a write).
        List<Step> close = record(() -> p.close(f));
        assertThat(close).as("%s", close).allSatisfy(s -> assertThat(s.after()).isEmpty());
        assertThat(first(close)).contains("READ object " + Sim.OBJECT, "WRITE object " + Sim.OBJECT, "WRITE release of " + f.id());
    }

    @Test
    void aRevokeWithNoOpenFileStillEndsWritingTheObject() {
        Sim sim = new Sim();
        List<Step> revoke = record(() -> sim.object().revoke("test"));
        // The last step: no file to release; outcome and life set (a write).
        assertThat(revoke.get(revoke.size() - 1).footprint()).contains("WRITE object " + Sim.OBJECT);
    }

    @Test
    void eachReleaseOfARevokeWritesTheObjectInItsOwnStep() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f1 = sim.open(p);
        OpenFile f2 = sim.open(p);
        List<Step> revoke = record(() -> sim.object().revoke("test"));
        // Between the points "release f1" and "release f2": f1's release recorded (releases.put, a
        // write of the object; its release state set) and f2's release claimed.
        assertThat(after(revoke, "release " + f1.id(), 0)).contains("WRITE object " + Sim.OBJECT,
                "WRITE release of " + f1.id(), "WRITE release of " + f2.id());
    }

    @Test
    void anEagerPopulationOfAClosingDriversVmaCountsItLinkedAfterTheInsert() {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma[] v = new Vma[1];
        List<Step> mmap = record(() -> v[0] = sim.mmap(p, f, 2, 0));
        // ->mapped after the link: linkedPieces incremented (an add), which the close step's walk reads.
        assertThat(after(mmap, "i_mmap insert " + v[0].id(), 0)).contains("ADD object " + Sim.OBJECT);
    }

    // ---------------------------------------------------------------- a revocable resource

    @Test
    void aResourcesReadersReadItsStateAndEveryAccessReadsItInsideTheGuard() {
        Revocable<AtomicInteger> r = Revocable.of("res", new AtomicInteger());
        String res = "revocable res";
        assertThat(record(r::isRevoked)).containsExactly(new Step("", Set.of("READ " + res)));
        assertThat(record(r::isReleased)).containsExactly(new Step("", Set.of("READ " + res)));
        Set<String> access = Set.of("ADD guard cells", "READ guard state", "READ " + res);
        assertThat(after(record(() -> r.tryAccess().close()), "guard enter", 0)).isEqualTo(access);
        assertThat(after(record(() -> r.tryAccessWith(x -> 1)), "guard enter", 0)).isEqualTo(access);
        assertThat(after(record(() -> r.tryAccessOrSkip(x -> { })), "guard enter", 0)).isEqualTo(access);
        assertThat(after(record(() -> r.tryAccessOrReturnErr(Errno.ENODEV, x -> Result.ok())), "guard enter", 0)).isEqualTo(access);
        assertThat(record(() -> r.newWaitQueue("q"))).containsExactly(new Step("", Set.of("READ " + res, "WRITE " + res)));
    }

    @Test
    void aResourcesRevokeClaimsDeactivatesAndFinishesWritingItsState() {
        Revocable<AtomicInteger> r = Revocable.of("res", new AtomicInteger());
        r.newWaitQueue("q");
        String res = "revocable res";
        List<Step> revoke = record(r::revoke);
        // claim (a write) before the guard's deactivation; then deactivated set and the queues woken
        // (writes); after the drain, finish: the resource taken and life set (writes).
        assertThat(first(revoke)).containsExactly("WRITE " + res);
        assertThat(after(revoke, "guard deactivate", 0)).contains("WRITE " + res, "WRITE wait queue res q");
        assertThat(after(revoke, "await guard drain", 0)).contains("WRITE " + res);
        // A second revoke: the claim fails, then awaitSettled reads life.
        List<Step> again = record(r::revoke);
        assertThat(first(again)).contains("WRITE " + res, "READ " + res);
    }

    @Test
    void theReleaseOfARevokedResourceIsBetweenTwoWritesOfItsState() {
        Guard inner = new Guard();
        Revocable<AtomicInteger> r = Revocable.of("res", new AtomicInteger(), x -> inner.exit(inner.tryEnter()));
        // finish: the resource taken (a write), the release (here one that reaches the points "guard
        // enter" and "guard exit"), then life set (a write) after it.
        List<Step> revoke = record(r::revoke);
        assertThat(after(revoke, "await guard drain", 0)).contains("WRITE revocable res");
        assertThat(revoke.get(revoke.size() - 1).after()).isEqualTo("guard exit");
        assertThat(revoke.get(revoke.size() - 1).footprint()).contains("WRITE revocable res");
    }

    @Test
    void aRevokeNosyncThatFindsAnAccessStallsWritingTheResourcesState() {
        Revocable<AtomicInteger> r = Revocable.of("res", new AtomicInteger());
        String res = "revocable res";
        try (Revocable.Access<AtomicInteger> a = r.tryAccess()) {
            assertThat(a.isPresent()).isTrue();
            List<Step> nosync = record(() -> assertThat(r.revokeNosync().errnoOrNull()).isEqualTo(Errno.EBUSY));
            // After the deactivation: deactivated set, then (an access in flight: inFlight reads the
            // cells) life set to STALLED (a write).
            assertThat(nosync.get(nosync.size() - 1)).isEqualTo(
                    new Step("guard deactivate", Set.of("READ guard cells", "WRITE guard state", "WRITE " + res, "WRITE wait queue revoked res")));
        }
        assertThat(r.revoke()).as("a revoke finishes a stalled one").isTrue();
    }
}
