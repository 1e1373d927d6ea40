package io.revokefs.explore;

import io.revokefs.core.internal.PlantedBugs;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/semantics.md section 9 under the explorer: a driver whose vm_ops has {@code ->close} gets exactly
 * one close per VMA piece that reached it, whichever of unmap and revoke comes first (R25, R26, R27,
 * and R09 / R10 / R24 re-run with a closing driver), with every lock taken in the kernel's order;
 * and the two naive close steps (mmap_lock under i_mmap_rwsem; closing from the zap without a
 * re-check) are caught with a schedule. Each schedule's log also goes through the Auditor, whose
 * {@code CLOSE_ONCE} sees double closes and closes after {@code RevokeCompleted}.
 */
class VmCloseExploreTest {

    @AfterEach
    void removePlantedBug() {
        PlantedBugs.plantVmCloseStep(PlantedBugs.VmCloseStep.LOCK_DANCE);
    }

    /**
     * A world with a closing test driver, one process that mapped {@code pages} pages, the revoker,
     * and {@code racer} as the second thread. Checked after each schedule: no piece closed twice,
     * and one close for each piece that reached the driver (its mmap plus every ->open).
     */
    private static RaceWorld closingWorld(long pages, String racerName, Consumer<Racer> racer) {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        Vma v = sim.mmap(p, f, pages, 0);
        racer.accept(new Racer(w, p, v, racerName));
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        w.check("VM_CLOSE_ONCE", () -> sim.driver().closedMoreThanOnce().isEmpty() ? null
                : "closed more than once: " + sim.driver().closedMoreThanOnce());
        w.check("VM_CLOSE_EVERY_PIECE", () -> {
            int owed = 1 + sim.driver().vmOpens();
            int closes = sim.driver().totalVmCloses();
            return closes == owed ? null : closes + " closes for " + owed + " pieces that reached the driver";
        });
        return w;
    }

    private record Racer(RaceWorld w, Process p, Vma v, String name) {
        void run(Runnable body) {
            w.thread(name, body);
        }
    }

    private static Report explore(String id, String title, java.util.function.Supplier<RaceWorld> world) {
        return ExploreReportFile.add(Explorer.explore(ExploreCase.of(id, title, world), Explorer.Options.defaults()), "");
    }

    private static void mustPass(String id, String title, java.util.function.Supplier<RaceWorld> world) {
        Report r = explore(id, title, world);
        assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(40)).orElse("")).isEmpty();
        assertThat(r.schedules()).as("schedules explored").isGreaterThan(1);
    }

    private static Report mustFind(String id, String title, java.util.function.Supplier<RaceWorld> world, String problem) {
        ExploreCase c = ExploreCase.of(id, title, world);
        Report r = ExploreReportFile.add(Explorer.explore(c, Explorer.Options.defaults()), "(planted bug: must be found)");
        assertThat(r.failure()).as("the explorer missed the planted bug of " + id).isPresent();
        assertThat(r.failure().get().problems()).as(r.failure().get().describe(40)).anyMatch(m -> m.contains(problem));
        Report again = Explorer.replay(c, r.failure().get().schedule(), Explorer.Options.defaults());
        assertThat(again.failure()).as("the printed schedule reproduces it").isPresent();
        return r;
    }

    private static RaceWorld r25() {
        return closingWorld(2, "unmapper", r -> r.run(() -> Cases.expect(r.p().munmap(r.v().start(), 2).isOk(), "munmap")));
    }

    @Test
    void R25_munmapRacingRevokesCloseStepClosesTheVmaOnce() {
        mustPass("R25-vm-close", "munmap racing revoke's vm close step", VmCloseExploreTest::r25);
    }

    @Test
    void R09_R26_forkRacingRevokeWithAClosingDriverClosesEveryCopyThatGotOpenOnce() {
        mustPass("R26-fork-vm-close", "fork racing revoke's vm close step",
                () -> closingWorld(2, "forker", r -> r.run(() -> r.p().fork())));
    }

    @Test
    void R10_R26_splitRacingRevokeWithAClosingDriverClosesEveryPieceThatGotOpenOnce() {
        mustPass("R26-split-vm-close", "a partial munmap (two splits) racing revoke's vm close step",
                () -> closingWorld(4, "splitter", r -> r.run(() ->
                        Cases.expect(r.p().munmap(r.v().start() + Kernel.PAGE_SIZE, 1).isOk(), "munmap of the middle page"))));
    }

    @Test
    void R24_R27_exitRacingRevokeWithAClosingDriverClosesOnceAndUsesNoFreedMm() {
        mustPass("R27-exit-vm-close", "exit racing revoke's vm close step",
                () -> closingWorld(2, "exiter", r -> r.run(() -> r.p().exit())));
    }

    @Test
    void plantedMmapLockUnderIMmapRwsemIsCaught() {
        PlantedBugs.plantVmCloseStep(PlantedBugs.VmCloseStep.MMAP_LOCK_UNDER_I_MMAP_RWSEM);
        Report r = mustFind("R25-naive-lock-order", "close step taking mmap_lock under i_mmap_rwsem",
                VmCloseExploreTest::r25, "");
        assertThat(r.failure().get().problems()).as(r.failure().get().describe(40))
                .anyMatch(m -> m.contains("lock order violation: taking mmap_lock") && m.contains("while holding i_mmap_rwsem"));
    }

    @Test
    void plantedCloseFromTheZapWithoutRecheckDoubleClosesAPieceARacingMunmapClosed() {
        PlantedBugs.plantVmCloseStep(PlantedBugs.VmCloseStep.CLOSE_FROM_ZAP_WITHOUT_RECHECK);
        Report r = mustFind("R25-naive-no-recheck", "close step closing what the zap saw, without re-check",
                VmCloseExploreTest::r25, "");
        assertThat(r.failure().get().problems()).as(r.failure().get().describe(40))
                .anyMatch(m -> m.startsWith("VM_CLOSE_ONCE")).anyMatch(m -> m.contains("CLOSE_ONCE at seq"));
    }
}
