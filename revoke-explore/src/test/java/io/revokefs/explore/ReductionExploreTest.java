package io.revokefs.explore;

import io.revokefs.core.event.RecordedEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reduction (docs/explore.md, "Partial-order reduction": the stutter rules and the sleep sets
 * over declared footprints) skips schedules, never behaviours: on every built-in case, the
 * exhaustive search with it reaches exactly the event logs that the plain bounded search reaches
 * (every schedule's whole log, in order, is one behaviour), in as many schedules or fewer, and the
 * sleep sets never run more than the stutter rules alone. A footprint that misses an access shows
 * here as a log the reduced search lost. (That the planted bugs are still caught with it on is
 * NaiveVariantsExploreTest and the other controls: {@link Explorer.Options#defaults()} has it on.)
 *
 * <p>By default every case at bound 1, and at 2 and 3 where the plain search is small; with
 * {@code -Dexplore.deep=true}, every case at 2 and the larger ones at 3 too (minutes).
 */
class ReductionExploreTest {

    /** Cases whose plain search at bound 2 takes more than a second or two, and at 3 more than a few. */
    private static final Set<String> BIG_AT_2 = Set.of("R21", "R23", "R24", "R09", "R13");
    private static final Set<String> SMALL_AT_3 = Set.of("R01", "R02", "R04", "R05", "R07", "R17", "R19");

    static Stream<Arguments> casesAndBounds() {
        List<Arguments> out = new ArrayList<>();
        for (ExploreCase c : Cases.all()) {
            out.add(Arguments.of(c.id(), 1));
            if (TestBounds.DEEP || !BIG_AT_2.contains(c.id())) {
                out.add(Arguments.of(c.id(), 2));
            }
            if (SMALL_AT_3.contains(c.id()) || TestBounds.DEEP && !c.id().equals("R23") && !c.id().equals("R21")) {
                out.add(Arguments.of(c.id(), 3));
            }
        }
        return out.stream();
    }

    /** Every distinct event log of an exhaustive exploration (seq and time left out). */
    private static Set<String> logsOf(ExploreCase c, Explorer.Options o, int[] schedules, String what) {
        Set<String> logs = ConcurrentHashMap.newKeySet();
        Report r = ExploreReportFile.add(Explorer.explore(c, o.withLogCheck(events -> {
            logs.add(events.stream().map(RecordedEvent::event).map(Object::toString).collect(Collectors.joining("\n")));
            return List.of();
        })), what);
        assertThat(r.exhaustive()).as(c.id() + " exhausted " + what).isTrue();
        assertThat(r.failure()).as(c.id() + " " + what).isEmpty();
        schedules[0] = r.systematic();
        return logs;
    }

    @ParameterizedTest(name = "{0} at bound {1}")
    @MethodSource("casesAndBounds")
    void theReducedSearchReachesEveryLogOfThePlainOne(String id, int bound) {
        ExploreCase c = Cases.byId(id);
        Explorer.Options o = Explorer.Options.defaults().withPreemptionBound(bound).withSchedules(2_000_000, 0);
        int[] plain = new int[1];
        int[] stutter = new int[1];
        int[] reduced = new int[1];
        Set<String> all = logsOf(c, o.withReduction(false), plain, "(no reduction)");
        Set<String> kept = logsOf(c, o.withSleepSets(false), stutter, "(stutter rules only)");
        Set<String> slept = logsOf(c, o, reduced, "(reduced, sleep sets)");
        assertThat(kept).as("logs the stutter rules lost").containsExactlyInAnyOrderElementsOf(all);
        assertThat(slept).as("logs the sleep sets lost").containsExactlyInAnyOrderElementsOf(all);
        assertThat(stutter[0]).isLessThanOrEqualTo(plain[0]);
        assertThat(reduced[0]).as("schedules with sleep sets").isLessThanOrEqualTo(stutter[0]);
    }

    /**
     * The planted control: a footprint that misses the test driver's state (its enable flag, read by
     * the fault outside every lock) makes the sleep sets lose R23's finding at bound 1: the fault
     * refused by the driver between the disable and the re-enable. So the comparison above can fail.
     */
    @org.junit.jupiter.api.Test
    void aFootprintMissingTheDriversEnableFlagLosesABehaviour() {
        ExploreCase c = Cases.byId("R23");
        Explorer.Options o = Explorer.Options.defaults().withPreemptionBound(1).withSchedules(100_000, 0);
        Set<String> all = logsOf(c, o.withReduction(false), new int[1], "(no reduction)");
        Set<String> blind;
        Footprint.blind = Set.of("test driver");
        try {
            blind = logsOf(c, o, new int[1], "(reduced, planted: the driver's state undeclared)");
        } finally {
            Footprint.blind = Set.of();
        }
        assertThat(all).as("logs of the plain search").hasSizeGreaterThan(blind.size());
        assertThat(all.stream().filter(l -> !blind.contains(l)))
                .as("the lost logs").anyMatch(l -> l.contains("AccessRefused[object=test:/dev/test0, op=fault, result=SIGBUS"));
    }
}
