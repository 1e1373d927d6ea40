package io.revokefs.explore;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers over disjoint subtrees: two workers run exactly the schedules of one (no schedule twice,
 * none missed), so the bounded search stays exhaustive. (That they still catch the planted bugs is in
 * NaiveVariantsExploreTest.)
 */
class ParallelExploreTest {

    @ParameterizedTest
    @ValueSource(strings = {"R01", "R05", "R09", "R13", "R19", "R22"})
    void twoWorkersRunExactlyTheSchedulesOfOneWorker(String id) {
        ExploreCase c = Cases.byId(id);
        Explorer.Options one = Explorer.Options.defaults().withSchedules(15_000, 0);
        Report r1 = ExploreReportFile.add(Explorer.explore(c, one), "(1 worker)");
        Report r2 = ExploreReportFile.add(Explorer.explore(c, one.withWorkers(2)), "(2 workers)");
        assertThat(r1.exhaustive()).isTrue();
        assertThat(r2.exhaustive()).isTrue();
        assertThat(r2.failure()).isEmpty();
        assertThat(r2.systematic()).isEqualTo(r1.systematic());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aCapOnSchedulesIsHonouredByEveryWorkerCount(int workers) {
        Report r = Explorer.explore(Cases.byId("R22"), Explorer.Options.defaults().withSchedules(25, 0).withWorkers(workers));
        assertThat(r.systematic()).isEqualTo(25);
        assertThat(r.exhaustive()).isFalse();
    }
}
