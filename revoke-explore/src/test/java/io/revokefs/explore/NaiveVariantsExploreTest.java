package io.revokefs.explore;

import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Planted-bug controls: for each invariant, a naive variant that reproduces a real bug, which the
 * explorer must find within its bounds (and print with the schedule that reproduces it), while the
 * same case with the library passes ({@link RaceCasesExploreTest}). A checker that lost its power
 * fails here.
 */
class NaiveVariantsExploreTest {

    private static Report mustFind(ExploreCase c, Explorer.Options options, String invariant) {
        return mustFind(c, options, invariant, "(planted bug: must be found)");
    }

    private static Report mustFind(ExploreCase c, Explorer.Options options, String invariant, String note) {
        Report r = ExploreReportFile.add(Explorer.explore(c, options), note);
        assertThat(r.failure()).as("the explorer missed the planted bug of " + c.id()).isPresent();
        assertThat(r.failure().get().problems()).as(r.failure().get().describe(40)).anyMatch(p -> p.contains(invariant));
        // The schedule it printed reproduces the failure.
        Report again = Explorer.replay(c, r.failure().get().schedule(), options);
        assertThat(again.failure()).isPresent();
        assertThat(again.failure().get().problems()).isEqualTo(r.failure().get().problems());
        // Two workers over disjoint parts of the search find it too, and their schedule reproduces it.
        Report two = ExploreReportFile.add(Explorer.explore(c, options.withWorkers(2)), note + " (2 workers)");
        assertThat(two.failure()).as("two workers missed the planted bug of " + c.id()).isPresent();
        assertThat(two.failure().get().problems()).anyMatch(p -> p.contains(invariant));
        assertThat(Explorer.replay(c, two.failure().get().schedule(), options).failure().get().problems())
                .isEqualTo(two.failure().get().problems());
        return r;
    }

    @Test
    void R04_naivePopulateInsideMmapKeepsALivePteAfterRevoke() {
        ExploreCase naive = ExploreCase.of("R04-naive-inside-mmap", "populate inside ->mmap racing revoke",
                () -> Cases.populateInsideMmapRacingZap());
        mustFind(naive, Explorer.Options.defaults(), "NO_LIVE_PTE_AFTER_REVOKE");
        // The same race with on-fault population passes (the library's population after link is R04).
        ExploreCase onFault = ExploreCase.of("R04-on-fault", "on-fault population racing revoke",
                () -> Cases.populateRacingZap(PfnMapping.Populate.ON_FAULT));
        assertThat(ExploreReportFile.add(Explorer.explore(onFault, Explorer.Options.defaults()), "").failure()).isEmpty();
    }

    @Test
    void R05_naiveReleaseWithoutAReleasedFlagReleasesTwice() {
        ExploreCase naive = ExploreCase.of("R05-naive-no-released-flag", "close racing a revoke that keeps no released flag", () -> {
            Sim sim = new Sim();
            NaiveRevocable obj = new NaiveRevocable(sim.driver());
            Inode inode = sim.kernel().newInode("/dev/naive", 0600, 0, obj, sim.kernel().newAddressSpace("naive"), null);
            RaceWorld w = new RaceWorld(sim.kernel(), sim.log()).countReleasesWith(sim.driver()::releasesOf);
            Process p = sim.root();
            OpenFile f = w.track(p.open(inode, false).value(), null);
            w.thread("closer", () -> Cases.expect(p.close(f).isOk(), "close"));
            w.thread("revoker", obj::revoke);
            return w;
        });
        mustFind(naive, Explorer.Options.defaults(), "RELEASE_ONCE");
    }

    @Test
    void R07_naiveSelfRemovalWithoutBreakingProtectionDeadlocks() {
        ExploreCase naive = ExploreCase.of("R07-naive-no-break", "a write that revokes its own object without breaking its protection",
                () -> Cases.selfRemoval(false));
        mustFind(naive, Explorer.Options.defaults(), "deadlock");
    }

    @Test
    void R13_naivePerFileMappingLeavesTheAliasPtesAlive() {
        ExploreCase naive = ExploreCase.of("R13-naive-per-inode-mapping", "a second inode of the device with a mapping of its own", () -> {
            Sim sim = new Sim();
            RaceWorld w = RaceWorld.of(sim);
            AddressSpace own = sim.kernel().newAddressSpace("/dev/test0-alias");
            Inode alias = sim.kernel().newInode("/dev/test0-alias", 0600, 0, sim.object().fileOperations(), own, null);
            return Cases.aliasWorld(sim, w, alias);
        });
        mustFind(naive, Explorer.Options.defaults(), "NO_LIVE_PTE_AFTER_REVOKE");
    }

    /** The remap loop that walks i_mmap under i_mmap_rwsem and takes each VMA's mmap_lock inside it. */
    private static void naiveRepopulate(Sim sim) {
        AddressSpace m = sim.object().mapping();
        List<Vma> vmas = m.allVmas();
        m.iMmapRwsem().readLock();
        try {
            for (Vma v : vmas) {
                v.mm().mmapLock().readLock();
                try {
                    if (v.mm().populatedPages(v) == 0) {
                        v.mm().remapPfnRange(v, 0, Sim.BASE_PFN + v.pgoff(), v.pages());
                    }
                } finally {
                    v.mm().mmapLock().readUnlock();
                }
            }
        } finally {
            m.iMmapRwsem().readUnlock();
        }
    }

    @Test
    void R23_naiveRemapLoopTakesIMmapRwsemBeforeMmapLock() {
        ExploreCase naive = ExploreCase.of("R23-naive-lock-order", "re-enable walking i_mmap under i_mmap_rwsem, then mmap_lock",
                () -> Cases.disableReenable(NaiveVariantsExploreTest::naiveRepopulate));
        // With the lock checker on, the first schedule that gets there is a violation...
        mustFind(naive, Explorer.Options.defaults(), "lock order violation");
        // ...and with it off, the explorer finds the deadlock itself: the mmapper holds mmap_lock and
        // waits for i_mmap_rwsem to link its VMA while the re-enabler holds i_mmap_rwsem and waits for
        // mmap_lock.
        ExploreCase unchecked = ExploreCase.of("R23-naive-lock-order-deadlock", naive.description(), naive::newWorld);
        mustFind(unchecked, Explorer.Options.defaults().withLockOrderChecking(false), "deadlock");
    }

    /**
     * R23's disable racing a fault. The explorer first found this as a real gap: a driver that checks
     * its enable flag and then inserts lets a disable (clear the flag, {@code zapMappings()}) run in
     * between, leaving a live PTE to disabled memory. The fix is where vfio-pci puts its
     * {@code memory_lock}: the check must be atomic with the insert, which
     * {@code VmFault.insertPfnIf} gives by checking under the page table lock every zap takes. The
     * naive driver (check, then insert) must be caught; the library's way must pass every schedule.
     */
    @Test
    void R23_naive_aFaultThatChecksEnableBeforeInsertingOutlivesTheDisable() {
        mustFind(disableVersusFault(true), Explorer.Options.defaults(), "no PTE while disabled");
    }

    @Test
    void R23_checkingEnableUnderThePageTableLockLeavesNoPteAfterTheDisable() {
        Report r = Explorer.explore(disableVersusFault(false), Explorer.Options.defaults());
        System.out.println(r.line());
        assertThat(r.failure()).isEmpty();
        assertThat(r.schedules()).isGreaterThan(1);
    }

    private static ExploreCase disableVersusFault(boolean naive) {
        String id = naive ? "R23-naive-disable-vs-fault" : "R23-disable-vs-fault";
        return ExploreCase.of(id, "disable (flag + zapMappings) racing a fault", () -> {
            Sim sim = new Sim();
            sim.driver().setCheckEnableOutsidePtl(naive);
            RaceWorld w = RaceWorld.of(sim);
            Process p = sim.root();
            OpenFile f = w.track(sim.open(p));
            Vma v = sim.mmap(p, f, 1, 0);
            w.thread("faulter", () -> p.load(Sim.page(v, 0)));
            w.thread("disabler", () -> {
                sim.driver().setMemoryEnabled(false);
                sim.object().zapMappings();
            });
            w.check("no PTE while disabled", () -> p.mm().populatedPages(v) == 0 ? null
                    : "a PTE of " + v.id() + " is live after the disable's zap returned, memory still disabled");
            return w;
        });
    }
}
