package io.revokefs.explore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link ExploreFigures} from the build (not part of the test run: it takes minutes):
 * {@code mvn -pl revoke-explore -am verify -Dtest=ExploreFiguresRun -Dsurefire.failIfNoSpecifiedTests=false -Dexplore.figures="3 3"}
 * (the bound, the rounds, then case ids, as ExploreFigures takes them).
 */
class ExploreFiguresRun {
    @Test
    @EnabledIfSystemProperty(named = "explore.figures", matches = ".+")
    void figures() {
        ExploreFigures.main(System.getProperty("explore.figures").trim().split("\\s+"));
    }
}
