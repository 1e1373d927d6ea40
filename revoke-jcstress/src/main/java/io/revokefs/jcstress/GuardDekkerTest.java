package io.revokefs.jcstress;

import io.revokefs.core.Guard;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The Dekker pair at the heart of {@link Guard}: an entrant adds to its cell and then reads the
 * state; the revoker writes the state and then sums the cells. Under the Java memory model, with both
 * pairs volatile, at least one side sees the other: either the entry is refused, or the revoker's sum
 * counts it (and a drain would wait). The outcome where the entrant got in and the revoker saw
 * nothing in flight would let a drain return under a running operation (G1, G2): forbidden.
 *
 * <p>r1: 1 when {@code tryEnter()} succeeded. r2: 1 when {@code inFlight()} was 0 after
 * {@code deactivate()}. (0, 0) is an entrant that counted itself, saw the deactivation and backed out.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "the entrant got in and the revoker saw nothing in flight: a drain would not wait")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the entrant got in first; the revoker counts it and would wait")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the deactivation came first; the entry is refused without touching a cell")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the entrant raced the deactivation: counted, then backed out")
@State
public class GuardDekkerTest {
    private final Guard guard = new Guard();

    @Actor
    public void entrant(II_Result r) {
        r.r1 = guard.tryEnter() >= 0 ? 1 : 0;
    }

    @Actor
    public void revoker(II_Result r) {
        guard.deactivate();
        r.r2 = guard.inFlight() == 0 ? 1 : 0;
    }
}
