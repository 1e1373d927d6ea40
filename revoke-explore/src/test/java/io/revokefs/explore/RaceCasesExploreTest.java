package io.revokefs.explore;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of {@link Cases} explored with the library as it is: no schedule may break anything.
 * Bounds: {@link Explorer.Options#defaults()} (with its reduction, at most 15,000 systematic
 * schedules, then 100 random ones from seed 1: {@link TestBounds}), with a preemption bound of 3 for
 * the two-thread cases and 2 for the three-thread ones (R21, R22, R23, R24): both exhaust the bounded
 * space within the cap. R23 at bound 3 (69,618 schedules) is {@code -Dexplore.cases=R23
 * -Dexplore.preemptions=3 -Dexplore.systematic=200000}. Override with system properties
 * ({@code -Dexplore.preemptions=3 -Dexplore.systematic=20000 -Dexplore.random=1000 -Dexplore.seed=7
 * -Dexplore.cases=R21,R24}).
 */
class RaceCasesExploreTest {

    static Explorer.Options options() {
        Explorer.Options d = TestBounds.options();
        return d.withPreemptionBound(Integer.getInteger("explore.preemptions", d.preemptionBound()))
                .withSchedules(Integer.getInteger("explore.systematic", d.maxSystematic()), d.randomSchedules())
                .withSeed(Long.getLong("explore.seed", d.seed()));
    }

    /**
     * R23 exhausted at preemption bound 3 (with the reduction: 69,618 schedules; 455,408 without it),
     * on two workers. Deep runs only ({@code -Dexplore.deep=true}); the same from the command line:
     * {@code revokefs explore R23 --preemptions 3 --schedules 200000 --random 0}.
     */
    @Test
    @EnabledIfSystemProperty(named = "explore.deep", matches = "true")
    void R23_isExhaustedAtPreemptionBound3() {
        Report r = ExploreReportFile.add(Explorer.explore(Cases.byId("R23"),
                Explorer.Options.defaults().withPreemptionBound(3).withSchedules(200_000, 0).withWorkers(2)), "(deep)");
        assertThat(r.failure()).as(() -> r.failure().map(f -> f.describe(40)).orElse("")).isEmpty();
        assertThat(r.exhaustive()).isTrue();
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
