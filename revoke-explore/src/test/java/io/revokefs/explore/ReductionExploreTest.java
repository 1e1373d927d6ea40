package io.revokefs.explore;

import io.revokefs.core.event.RecordedEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reduction (docs/explore.md, "Partial-order reduction") skips schedules, never behaviours: on
 * each case, the exhaustive search with it reaches exactly the event logs that the plain bounded
 * search reaches (every schedule's whole log, in order, is one behaviour), in fewer schedules or as
 * many. (That the planted bugs are still caught with it on is NaiveVariantsExploreTest and the other
 * controls: {@link Explorer.Options#defaults()} has it on.)
 */
class ReductionExploreTest {

    /** Every distinct event log of an exhaustive exploration (seq and time left out). */
    private static Set<String> logsOf(ExploreCase c, Explorer.Options o, int[] schedules) {
        Set<String> logs = ConcurrentHashMap.newKeySet();
        Report r = ExploreReportFile.add(Explorer.explore(c, o.withLogCheck(events -> {
            logs.add(events.stream().map(RecordedEvent::event).map(Object::toString).collect(Collectors.joining("\n")));
            return List.of();
        })), o.reduction() ? "(reduced)" : "(no reduction)");
        assertThat(r.exhaustive()).isTrue();
        assertThat(r.failure()).isEmpty();
        schedules[0] = r.systematic();
        return logs;
    }

    @ParameterizedTest(name = "{0} at bound {1}")
    @CsvSource({"R02, 3", "R05, 3", "R22, 2", "R24, 1", "R23, 1"})
    void theReducedSearchReachesEveryLogOfThePlainOne(String id, int bound) {
        ExploreCase c = Cases.byId(id);
        Explorer.Options o = Explorer.Options.defaults().withPreemptionBound(bound).withSchedules(100_000, 0);
        int[] plain = new int[1];
        int[] reduced = new int[1];
        Set<String> all = logsOf(c, o.withReduction(false), plain);
        Set<String> kept = logsOf(c, o, reduced);
        assertThat(kept).as("logs the reduction lost").containsExactlyInAnyOrderElementsOf(all);
        assertThat(reduced[0]).isLessThanOrEqualTo(plain[0]);
        if (id.equals("R22") || id.equals("R23")) {
            assertThat(reduced[0]).as("schedules with the reduction").isLessThan(plain[0]);
        }
    }
}
