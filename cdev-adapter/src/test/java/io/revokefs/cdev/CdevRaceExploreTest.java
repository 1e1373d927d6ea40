package io.revokefs.cdev;

import io.revokefs.core.Revocable;
import io.revokefs.explore.Explorer;
import io.revokefs.explore.Report;
import io.revokefs.explore.ScriptCase;
import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScriptFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * R33 over every interleaving: examples/cdev-unplug-race.scenario (a reader about to sleep, a poller,
 * the unplug) explored exhaustively by revoke-explore's scheduler, the auditor and every expect
 * checked in each schedule. The control: the same script on a cdev whose readers sleep on a queue
 * the unplug does not know (Pinchart's "wake the sleepers" step left out), which must be caught.
 */
class CdevRaceExploreTest {
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("examples/cdev-unplug-race.scenario");

    private static Report explore(ScenarioProviders providers) throws Exception {
        List<ScriptCase> cs = ScriptCase.of(SCRIPT.getFileName().toString(), providers,
                new ScenarioParser(providers).parse(SCRIPT.toString(), ScriptFiles.read(SCRIPT)));
        assertThat(cs).hasSize(1);
        return Explorer.explore(cs.get(0), Explorer.Options.defaults());
    }

    @Test
    void R33_readerPollerAndUnplugHoldInEverySchedule() throws Exception {
        Report r = explore(ScenarioProviders.of(List.of(new CdevScenarioProvider())));
        assertThat(r.failure()).as(r.failure().map(f -> f.describe(30)).orElse("")).isEmpty();
        assertThat(r.exhaustive()).as("exhausted within the default bounds").isTrue();
    }

    @Test
    void plantedCdevWhoseSleepersTheUnplugDoesNotWakeIsCaught() throws Exception {
        CdevScenarioProvider planted = new CdevScenarioProvider((kernel, name, pages, vmclose) ->
                CharDevice.create(kernel, name, pages, vmclose, o -> Revocable.of("elsewhere", o).newWaitQueue("wait")));
        Report r = explore(ScenarioProviders.of(List.of(planted)));
        assertThat(r.failure()).as("the explorer finds the reader the unplug waits for forever").isPresent();
        assertThat(String.join("\n", r.failure().get().problems())).containsIgnoringCase("deadlock");
    }
}
