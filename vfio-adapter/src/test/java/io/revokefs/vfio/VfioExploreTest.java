package io.revokefs.vfio;

import io.revokefs.explore.ExploreCase;
import io.revokefs.explore.Explorer;
import io.revokefs.explore.Report;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/races.md R23, R28, R29 and R30 explored on the real vfio adapter (both population strategies where
 * both apply), and the three planted variants, each of which the explorer must catch with a schedule
 * that reproduces it. Bounds: {@link Explorer.Options#defaults()} (with its reduction: 15,000
 * systematic schedules at most), preemption bound 3 for two threads; for three threads bound 1 in
 * the default run, then 100 random schedules; with {@code -Dexplore.deep=true}, bound 2 for three
 * threads and 300 random schedules (5,000 systematic for R23's eager case). The planted variants run at the same bounds either way.
 * The default run of the class takes about 10 s.
 */
class VfioExploreTest {
    private static final VfioPci.Populate FAULT = VfioPci.Populate.ON_FAULT;
    private static final VfioPci.Populate EAGER = VfioPci.Populate.EAGER;
    private static final VfioDevice.Naive NONE = VfioDevice.Naive.NONE;

    private static final boolean DEEP = Boolean.getBoolean("explore.deep");

    /** The bounds for {@code c}, whose description ends with its thread count. */
    private static Explorer.Options options(ExploreCase c) {
        Explorer.Options d = Explorer.Options.defaults();
        boolean three = c.description().endsWith("3 threads");
        if (DEEP) {
            return d.withPreemptionBound(three ? 2 : 3);
        }
        return d.withPreemptionBound(three ? 1 : 3).withSchedules(d.maxSystematic(), 100);
    }

    /** The planted variants' bounds: the deep run's, in every run (each is found within them). */
    private static Explorer.Options plantedOptions(ExploreCase c) {
        return Explorer.Options.defaults().withPreemptionBound(c.description().endsWith("3 threads") ? 2 : 3);
    }

    /** Explores {@code c} and requires every schedule to pass. */
    private static Report holds(ExploreCase c) {
        return holds(c, options(c));
    }

    private static Report holds(ExploreCase c, Explorer.Options options) {
        Report r = Explorer.explore(c, options);
        System.out.println(r.line());
        assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(40)).orElse("")).isEmpty();
        assertThat(r.schedules()).isGreaterThan(1);
        return r;
    }

    /** Explores the planted variant {@code c}: the explorer must find {@code problem}, and its schedule must reproduce it. */
    private static Report mustFind(ExploreCase c, Explorer.Options options, String problem) {
        Report r = Explorer.explore(c, options);
        System.out.println(r.line() + " (planted bug: must be found)");
        assertThat(r.failure()).as("the explorer missed the planted bug of " + c.id()).isPresent();
        System.out.print(r.failure().get().describe(25));
        assertThat(r.failure().get().problems()).as(r.failure().get().describe(40)).anyMatch(p -> p.contains(problem));
        Report again = Explorer.replay(c, r.failure().get().schedule(), options);
        assertThat(again.failure()).isPresent();
        assertThat(again.failure().get().problems()).isEqualTo(r.failure().get().problems());
        return r;
    }

    // ---------------------------------------------------------------- the races, with the library

    @Test
    void R28_memoryOffRacingAFaultLeavesNoPteWhileMemoryIsOff() {
        holds(VfioCases.of("R28-vfio", "memory off racing a fault (on fault): 2 threads", FAULT, NONE, VfioCases::memoryOffRacingAFault));
    }

    @Test
    void R29_eagerMemoryOnRacingAFaultAndAnMmapPopulatesEveryVmaInLockOrder() {
        holds(VfioCases.of("R29-vfio", "eager memory on racing a fault and an mmap: 3 threads", EAGER, NONE,
                VfioCases::memoryOnRacingAFaultAndAnMmap));
    }

    @Test
    void R30_resetRacingHotUnplugRepopulatesNothingAfterIt() {
        holds(VfioCases.of("R30-vfio-reset-eager", "reset racing hot-unplug (eager): 2 threads", EAGER, NONE, VfioCases::resetRacingHotUnplug));
        holds(VfioCases.of("R30-vfio-reset-fault", "reset racing hot-unplug (on fault): 2 threads", FAULT, NONE, VfioCases::resetRacingHotUnplug));
    }

    @Test
    void R30_memoryOnRacingHotUnplugRepopulatesNothingAfterIt() {
        holds(VfioCases.of("R30-vfio-on-eager", "memory on racing hot-unplug (eager): 2 threads", EAGER, NONE, VfioCases::memoryOnRacingHotUnplug));
    }

    @Test
    void R30_memoryOffRacingHotUnplugAndAFaultLeavesNoPte() {
        holds(VfioCases.of("R30-vfio-off-fault", "memory off racing hot-unplug and a fault: 3 threads", FAULT, NONE,
                VfioCases::memoryOffRacingHotUnplug));
    }

    @Test
    void R23_offThenOnRacingAFaultAndAnMmapBringsEveryPageBack() {
        holds(VfioCases.of("R23-vfio-fault", "off then on racing a fault and an mmap (on fault): 3 threads", FAULT, NONE,
                VfioCases::offOnRacingAFaultAndAnMmap));
        // The eager variant's space at bound 2 is larger than the default cap (15,000): the deep run
        // explores 5,000 systematically, then 300 random schedules; the default run exhausts bound 1.
        ExploreCase eager = VfioCases.of("R23-vfio-eager", "off then on racing a fault and an mmap (eager): 3 threads", EAGER, NONE,
                VfioCases::offOnRacingAFaultAndAnMmap);
        holds(eager, DEEP ? options(eager).withSchedules(5_000, 300) : options(eager));
    }

    @Test
    void R04_eagerPopulationAfterLinkRacingMemoryOffAndHotUnplugLeavesNoPte() {
        holds(VfioCases.of("R04-vfio-off", "mmap racing memory off (eager after link): 2 threads", EAGER, NONE, VfioCases::mmapRacingMemoryOff));
        holds(VfioCases.of("R04-vfio-unplug", "mmap racing hot-unplug (eager after link): 2 threads", EAGER, NONE, VfioCases::mmapRacingHotUnplug));
    }

    // ---------------------------------------------------------------- planted variants

    @Test
    void R29_naive_remapTakingMmapLockUnderMemoryLockIsALockOrderInversionAndDeadlocks() {
        ExploreCase naive = VfioCases.of("R29-vfio-naive-remap-under-memory-lock",
                "eager memory on remapping under memory_lock, racing a fault and an mmap: 3 threads", EAGER,
                VfioDevice.Naive.REMAP_UNDER_MEMORY_LOCK, VfioCases::memoryOnRacingAFaultAndAnMmap);
        mustFind(naive, plantedOptions(naive), "lock order violation: taking mmap_lock");
        // With the lock checker off the explorer finds the deadlock itself: the enabler holds
        // memory_lock for writing and waits for q's mmap_lock; the mmapper holds q's mmap_lock (for
        // writing) and waits for memory_lock in its population after link.
        mustFind(naive, plantedOptions(naive).withLockOrderChecking(false), "deadlock");
    }

    @Test
    void R28_naive_aFaultThatChecksMemoryOutsideTheLocksInstallsAPteWhileMemoryIsOff() {
        ExploreCase naive = VfioCases.of("R28-vfio-naive-check-outside-locks", "memory off racing a fault that checks without memory_lock: 2 threads",
                FAULT, VfioDevice.Naive.CHECK_OUTSIDE_LOCKS, VfioCases::memoryOffRacingAFault);
        Report r = mustFind(naive, plantedOptions(naive), "NO_PTE_WHILE_MEMORY_OFF");
        // Both the live check and the auditor's, over the schedule's event log.
        assertThat(r.failure().get().problems()).anyMatch(p -> p.startsWith("NO_PTE_WHILE_MEMORY_OFF at seq"));
    }

    @Test
    void R04_naive_populatingInsideMmapBeforeTheLinkKeepsAPteAfterMemoryOffAndAfterUnplug() {
        mustFind(VfioCases.of("R04-vfio-naive-inside-mmap-off", "mmap populating inside ->mmap racing memory off: 2 threads", EAGER,
                VfioDevice.Naive.POPULATE_INSIDE_MMAP, VfioCases::mmapRacingMemoryOff), Explorer.Options.defaults().withPreemptionBound(3),
                "NO_PTE_WHILE_MEMORY_OFF");
        mustFind(VfioCases.of("R04-vfio-naive-inside-mmap-unplug", "mmap populating inside ->mmap racing hot-unplug: 2 threads", EAGER,
                VfioDevice.Naive.POPULATE_INSIDE_MMAP, VfioCases::mmapRacingHotUnplug), Explorer.Options.defaults().withPreemptionBound(3),
                "NO_LIVE_PTE_AFTER_REVOKE");
    }
}
