package io.revokefs.explore;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of {@link Cases} explored with the library as it is: no schedule may break anything.
 * Bounds: {@link Explorer.Options#defaults()} with its reduction, a preemption bound of 3 for every
 * case, at most 200,000 systematic schedules (every case exhausts its bounded space well within
 * that: R23, the largest, in 67,887), then 100 random ones from seed 1 ({@link TestBounds}), on two
 * workers (the systematic counts are those of one worker: {@link ParallelExploreTest}). Override with
 * system properties ({@code -Dexplore.preemptions=4 -Dexplore.systematic=500000 -Dexplore.random=1000
 * -Dexplore.seed=7 -Dexplore.workers=1 -Dexplore.cases=R21,R24}); with {@code explore.preemptions} or
 * {@code explore.systematic} set, a case need not be exhausted.
 */
class RaceCasesExploreTest {

    static Explorer.Options options() {
        Explorer.Options d = TestBounds.options();
        return d.withPreemptionBound(Integer.getInteger("explore.preemptions", 3))
                .withSchedules(Integer.getInteger("explore.systematic", 200_000), d.randomSchedules())
                .withSeed(Long.getLong("explore.seed", d.seed()))
                .withWorkers(Integer.getInteger("explore.workers", 2));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseHoldsOnEverySchedule() {
        String only = System.getProperty("explore.cases", "");
        List<String> wanted = only.isBlank() ? List.of() : Arrays.asList(only.split(","));
        Explorer.Options options = options();
        boolean exhaustiveByDefault = System.getProperty("explore.preemptions") == null && System.getProperty("explore.systematic") == null;
        return Cases.all().stream().filter(c -> wanted.isEmpty() || wanted.contains(c.id()))
                .map(c -> DynamicTest.dynamicTest(c.id() + " " + c.description(), () -> {
                    Report r = ExploreReportFile.add(Explorer.explore(c, options), "");
                    assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(40)).orElse("")).isEmpty();
                    assertThat(r.schedules()).isGreaterThan(1);
                    if (exhaustiveByDefault) {
                        assertThat(r.exhaustive()).as(r.line()).isTrue();
                    }
                }));
    }
}
