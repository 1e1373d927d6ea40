package io.revokefs.explore;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of {@link Cases} explored with the library as it is: no schedule may break anything.
 * Bounds: {@link Explorer.Options#defaults()} (at most 15,000 systematic schedules, then 300 random
 * ones from seed 1), with a preemption bound of 3 for the two-thread cases and 2 for the three-thread
 * ones (R21, R22, R23, R24): both exhaust the bounded space within the cap. Override with system properties
 * ({@code -Dexplore.preemptions=3 -Dexplore.systematic=20000 -Dexplore.random=1000 -Dexplore.seed=7
 * -Dexplore.cases=R21,R24}).
 */
class RaceCasesExploreTest {

    static Explorer.Options options() {
        Explorer.Options d = Explorer.Options.defaults();
        return d.withPreemptionBound(Integer.getInteger("explore.preemptions", d.preemptionBound()))
                .withSchedules(Integer.getInteger("explore.systematic", d.maxSystematic()),
                        Integer.getInteger("explore.random", d.randomSchedules()))
                .withSeed(Long.getLong("explore.seed", d.seed()));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseHoldsOnEverySchedule() {
        String only = System.getProperty("explore.cases", "");
        List<String> wanted = only.isBlank() ? List.of() : Arrays.asList(only.split(","));
        Explorer.Options options = options();
        return Cases.all().stream().filter(c -> wanted.isEmpty() || wanted.contains(c.id()))
                .map(c -> DynamicTest.dynamicTest(c.id() + " " + c.description(), () -> {
                    int threads = c.newWorld().threadNames().size();
                    Explorer.Options o = System.getProperty("explore.preemptions") != null ? options
                            : options.withPreemptionBound(threads <= 2 ? 3 : 2);
                    Report r = ExploreReportFile.add(Explorer.explore(c, o), "");
                    assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(40)).orElse("")).isEmpty();
                    assertThat(r.schedules()).isGreaterThan(1);
                }));
    }
}
