package io.revokefs.explore;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of {@link Cases} explored with the library as it is: no schedule may break anything.
 * Bounds: {@link Explorer.Options#defaults()} (2 preemptions, at most 2,000 systematic schedules, then
 * 200 random ones from seed 1).
 */
class RaceCasesExploreTest {

    @TestFactory
    Stream<DynamicTest> everyCaseHoldsOnEverySchedule() {
        return Cases.all().stream().map(c -> DynamicTest.dynamicTest(c.id() + " " + c.description(), () -> {
            Report r = ExploreReportFile.add(Explorer.explore(c, Explorer.Options.defaults()), "");
            assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(40)).orElse("")).isEmpty();
            assertThat(r.schedules()).isGreaterThan(1);
        }));
    }
}
