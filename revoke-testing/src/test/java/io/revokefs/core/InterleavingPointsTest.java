package io.revokefs.core;

import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.core.testing.Points;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard's and the release's interleaving points, where revoke-explore's scheduler can stop a
 * thread: without them it could not interleave an entry with a revoke's deactivation, or a close's
 * release with the revoke's (R05). Found by mutation testing (issue 18 point 12): removing any of
 * them passed every test outside revoke-explore.
 */
class InterleavingPointsTest {

    @Test
    void entryExitDeactivationAndDrainAreInterleavingPoints() {
        Guard g = new Guard();
        try (Points points = Points.record()) {
            int t = g.tryEnter();
            g.exit(t);
            g.deactivate();
            assertThat(g.tryEnter()).isNegative();
            g.drain();
            assertThat(points.labels()).containsExactly("guard enter", "guard exit", "guard deactivate", "guard enter",
                    "await guard drain");
        }
    }

    @Test
    void aReleaseIsAnInterleavingPointNamedAfterItsFile() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        try (Points points = Points.record()) {
            p.close(f);
            assertThat(points.labels()).contains("release " + f.id());
        }
    }
}
