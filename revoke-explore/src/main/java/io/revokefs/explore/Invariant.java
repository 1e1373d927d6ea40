package io.revokefs.explore;

import java.util.List;

/** A check of a world's state after a schedule ran to completion. */
@FunctionalInterface
public interface Invariant {

    /** The violations, each a sentence naming what is wrong; empty when the state is good. */
    List<String> violations(RaceWorld world);
}
