package io.revokefs.explore;

import io.revokefs.scenario.Scenario;
import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScriptFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code together} blocks explored on each adapter (issue 12): the adapters' own code runs under the
 * deterministic scheduler (their operations go through the library's guard, locks and waits, the
 * interleaving points), every schedule's log is audited and every expect checked.
 */
class ScriptExploreTest {
    private static final ScenarioProviders ADAPTERS = ScenarioProviders.load();

    static List<ScriptCase> cases(String name) throws IOException {
        Path p = Path.of("src/test/resources/scripts", name);
        Scenario sc = new ScenarioParser(ADAPTERS).parse(name, ScriptFiles.read(p));
        return ScriptCase.of(name, ADAPTERS, sc);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sysfs-remove.scenario", "devmem-claim.scenario", "procfs-remove.scenario",
            "procbuspci-unplug.scenario", "uio-unregister.scenario"})
    void aTogetherBlockWhoseExpectsAllowEveryOutcomeHoldsInEverySchedule(String script) throws IOException {
        List<ScriptCase> cs = cases(script);
        assertThat(cs).hasSize(1);
        // Exhausted at bound 1 by default, at bound 2 in deep runs (-Dexplore.deep=true).
        Report r = ExploreReportFile.add(Explorer.explore(cs.get(0), TestBounds.options().withPreemptionBound(TestBounds.DEEP ? 2 : 1)), "");
        assertThat(r.failure()).as(r.failure().map(f -> f.describe(30)).orElse("")).isEmpty();
        assertThat(r.exhaustive()).isTrue();
        assertThat(r.schedules()).isGreaterThan(1);
    }

    @Test
    void anExpectOnlySomeInterleavingsBreakIsCaughtWithItsScheduleAndLine() throws IOException {
        ScriptCase c = cases("procfs-remove-broken.scenario").get(0);
        Report r = ExploreReportFile.add(Explorer.explore(c, Explorer.Options.defaults()), "planted");
        assertThat(r.failure()).isPresent();
        Report.Failure f = r.failure().get();
        assertThat(String.join("\n", f.problems())).contains("procfs-remove-broken.scenario:7: expected ok, got EIO");
        assertThat(f.scheduleNumber()).isGreaterThan(1); // the first (default) schedule holds: only some break it
        // The printed schedule runs the failure again.
        Report again = Explorer.replay(c, Schedule.parse(f.schedule().toString()), Explorer.Options.defaults());
        assertThat(again.failure()).isPresent();
        assertThat(String.join("\n", again.failure().get().problems())).contains(":7: expected ok, got EIO");
    }
}
