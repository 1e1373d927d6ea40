package io.revokefs.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

/**
 * The planted bug for {@link GuardDekkerTest}: the same Dekker pair with plain fields. Without
 * volatile, each thread's store may be reordered after its load (a store buffer on x86, the JIT
 * anywhere), and both sides can miss each other: the outcome the guard forbids. src/jcstress/run.sh
 * requires that jcstress observes it here, so a harness that could not see a reordering on this
 * machine does not pass the guard's test silently.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "both missed each other: the reordering the guard's volatile accesses forbid")
@Outcome(id = {"1, 0", "0, 1", "0, 0"}, expect = ACCEPTABLE, desc = "at least one saw the other")
@State
public class PlainDekkerControl {
    private long count;
    private int state;

    @Actor
    public void entrant(II_Result r) {
        count = 1;
        r.r1 = state == 0 ? 1 : 0;
    }

    @Actor
    public void revoker(II_Result r) {
        state = 1;
        r.r2 = count == 0 ? 1 : 0;
    }
}
