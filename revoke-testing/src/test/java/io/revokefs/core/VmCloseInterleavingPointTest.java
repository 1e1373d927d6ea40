package io.revokefs.core;

import io.revokefs.core.testing.Points;
import io.revokefs.core.testing.Sim;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The revoke's close step stops at an interleaving point before each piece it closes, named after
 * the piece, where revoke-explore's scheduler runs a racing munmap, exit or fork (the close-once
 * races of docs/semantics.md section 9), and waits for a piece in flight only when its walk left
 * one owed (VmCloseStepInFlightTest has those). Found by mutation testing (issue 18 point 12):
 * removing the point, or making the step wait after a walk that closed everything, passed every test
 * outside revoke-explore. In InterleavingPointsTest's style: the points the revoking thread reaches,
 * recorded by {@code testing.Points}.
 */
class VmCloseInterleavingPointTest {

    @Test
    void theCloseStepStopsBeforeClosingEachPieceAndWaitsForNoneWhenItsWalkClosedThemAll() {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma first = sim.mmap(p, f, 2, 0);
        Vma second = sim.mmap(p, f, 2, 4);
        try (Points points = Points.record()) {
            sim.object().revoke("test");
            assertThat(points.labels()).containsSubsequence("zap " + first.id(), "vm close " + first.id())
                    .containsSubsequence("zap " + second.id(), "vm close " + second.id());
            assertThat(points.labels()).as("every owed piece was closed by the walk: no wait for one in flight")
                    .noneMatch(l -> l.startsWith("await vm close"));
        }
        assertThat(sim.driver().vmClosesOf(first)).isEqualTo(1);
        assertThat(sim.driver().vmClosesOf(second)).isEqualTo(1);
    }
}
