package io.revokefs.explore;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link ExploreFigures} from the build (not part of the test run: it takes minutes):
 * {@code mvn -pl revoke-explore -am verify -Dtest=ExploreFiguresRun -Dsurefire.failIfNoSpecifiedTests=false -Dexplore.figures="3 3"}
 * (the bound, the rounds, then case ids, as ExploreFigures takes them).
 */
class ExploreFiguresRun {
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES) // the build's default is 5; the fork's limit is 20 minutes
    @EnabledIfSystemProperty(named = "explore.figures", matches = ".+")
    void figures() {
        ExploreFigures.main(System.getProperty("explore.figures").trim().split("\\s+"));
    }
}
