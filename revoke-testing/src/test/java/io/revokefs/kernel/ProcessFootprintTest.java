package io.revokefs.kernel;

import io.revokefs.core.testing.Points;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process's footprint declarations ({@code Interleave.touch} on "process PID"): its descriptor
 * table and signal queue are written by open, close, fork (the child's table too), exit and a
 * queued signal, and read by the readers; and what those readers answer. Found by mutation testing
 * (issue 18 point 12): the declarations were removable, and no test asked a live process whether it
 * had exited or listed its open files. The steps are split at the points the library's guard adds
 * ({@code guard enter}, {@code guard exit}), as the explorer sees them.
 */
class ProcessFootprintTest {

    /** The footprints recorded, each as "after POINT: {...}" ("" for the first step). */
    private static List<String> steps(Runnable r) {
        List<String> out = new ArrayList<>();
        String after = "";
        for (String l : Points.footprintsOf(r)) {
            if (l.startsWith("{")) {
                out.add(after + ": " + l);
            } else {
                after = l;
            }
        }
        return out;
    }

    @Test
    void openCloseForkExitAndSignalsDeclareTheirTablesAndTheReadersAnswer() {
        Sim sim = new Sim();
        Process p = sim.root();
        String me = "process " + p.pid();
        OpenFile[] f = new OpenFile[1];
        // open: the descriptor table read-modify-written before the driver's open (the fd reserved)
        // and after it (installed): the first step, and the one after the guard's exit.
        List<String> open = steps(() -> f[0] = sim.open(p));
        assertThat(open.get(0)).startsWith(": ").contains("WRITE " + me);
        assertThat(open).anyMatch(s -> s.startsWith("guard exit: ") && s.contains("WRITE " + me));
        assertThat(p.openFiles()).containsExactly(f[0]);
        assertThat(steps(p::openFiles)).containsExactly(": {READ " + me + "}");
        assertThat(steps(p::pendingSignals)).containsExactly(": {READ " + me + "}");
        assertThat(steps(p::hasExited)).containsExactly(": {READ " + me + "}");
        assertThat(p.hasExited()).isFalse();
        assertThat(steps(() -> p.queueSignal(new PendingSignal(Signal.SIGBUS, null, null)))).containsExactly(": {WRITE " + me + "}");
        assertThat(p.pendingSignals()).extracting(PendingSignal::signal).containsExactly(Signal.SIGBUS);

        // fork: the parent's table read under its lock, each file put in the child's.
        Process[] child = new Process[1];
        List<String> fork = steps(() -> child[0] = p.fork());
        assertThat(fork.get(0)).contains("WRITE " + me, "WRITE process " + child[0].pid());
        assertThat(child[0].openFiles()).containsExactly(f[0]);

        // a descriptor this process does not have: EBADF after a read of its table.
        OpenFile other = sim.open(sim.kernel().newProcess(0));
        assertThat(steps(() -> assertThat(p.llseek(other, 0, 0).errnoOrNull()).isEqualTo(Errno.EBADF)))
                .anyMatch(s -> s.contains("READ " + me));

        assertThat(steps(() -> p.close(f[0])).get(0)).contains("WRITE " + me);
        assertThat(p.openFiles()).isEmpty();

        // exit: the table taken (a write), every descriptor closed, then the process reaped.
        assertThat(steps(child[0]::exit).get(0)).contains("WRITE process " + child[0].pid());
        assertThat(child[0].hasExited()).isTrue();
        assertThat(sim.kernel().processes()).doesNotContain(child[0]).contains(p);
    }
}
