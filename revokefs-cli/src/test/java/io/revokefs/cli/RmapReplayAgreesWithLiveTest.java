package io.revokefs.cli;

import io.revokefs.cli.fuzz.ScenarioFuzzer;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.history.ReplayState;
import io.revokefs.history.RmapAgreement;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code replay --pfn} agrees with the live rmap on the fuzz corpus: 1,000 random scenarios across
 * every adapter (sysfs, /proc/bus/pci, /dev/mem, vfio-pci, ...), and after every line of each the
 * rmap replayed from the log so far ({@link ReplayState#whoMaps}, what {@code replay --pfn} prints)
 * is compared with {@code Rmap.whoMaps} on the live kernel, over the whole physical range and at each
 * page where a VMA starts to reach it ({@link RmapAgreement}).
 */
class RmapReplayAgreesWithLiveTest {
    private static final long SEED = 0x524d4150L; // "RMAP"
    private static final int SCENARIOS = 1_000;

    @Test
    void replayedRmapEqualsTheLiveOneAfterEveryLineOfAThousandRandomScenarios() {
        ScenarioFuzzer fuzzer = new ScenarioFuzzer(40);
        long compared = 0;
        long withMappings = 0;
        for (int i = 0; i < SCENARIOS; i++) {
            Agreement a = new Agreement();
            ScenarioFuzzer.Outcome o = fuzzer.run(SEED + i, a::afterLine);
            assertThat(o.problems()).as("seed %d:\n%s", o.seed(), String.join("\n", o.script())).isEmpty();
            compared += a.lines;
            withMappings += a.linesWithMappings;
        }
        // The comparison saw mappings, not only empty answers.
        assertThat(compared).isGreaterThan(SCENARIOS * 20L);
        assertThat(withMappings).isGreaterThan(compared / 4);
    }

    @Test
    void theComparisonCatchesALogThatLacksThePfnOfADriversOwnMapping() {
        io.revokefs.core.event.InMemoryEventLog log = new io.revokefs.core.event.InMemoryEventLog();
        io.revokefs.scenario.ScenarioProviders providers = io.revokefs.scenario.ScenarioProviders.load();
        io.revokefs.scenario.ScenarioWorld world = new io.revokefs.scenario.ScenarioWorld(log, providers);
        new io.revokefs.scenario.ScenarioRunner(world).run(new io.revokefs.scenario.ScenarioParser(providers).parse("t", List.of(
                "cdev foo pages=4", "process p", "p open /dev/foo as f", "p mmap f pages=2 offset=1 as v", "p load v page=0")));
        assertThat(RmapAgreement.differences(world.kernel(), ReplayState.of(log.events()))).isEmpty();

        // The planted fault: the same log with Mmapped.pfn left out (as a writer before the field wrote it).
        List<RecordedEvent> withoutPfn = log.events().stream().map(e -> e.event() instanceof io.revokefs.core.event.RevokeEvent.Mmapped m
                ? new RecordedEvent(e.seq(), e.timeNanos(), new io.revokefs.core.event.RevokeEvent.Mmapped(m.object(), m.file(), m.vma(),
                        m.pid(), m.pgoff(), m.pages(), m.mapping(), m.populated()))
                : e).toList();
        ReplayState blind = ReplayState.of(withoutPfn);
        assertThat(blind.unknownPfnVmas()).isEqualTo(1);
        assertThat(RmapAgreement.differences(world.kernel(), blind)).isNotEmpty()
                .first().asString().contains("cdev:/dev/foo").contains("replayed []");
    }

    /** One scenario's observer: replays the new events of each line, then compares. */
    private static final class Agreement {
        final ReplayState.Streaming replay = ReplayState.stream((id, life) -> { });
        int applied;
        long lines;
        long linesWithMappings;

        List<String> afterLine(io.revokefs.scenario.ScenarioWorld world, List<RecordedEvent> events) {
            for (; applied < events.size(); applied++) {
                replay.accept(events.get(applied));
            }
            ReplayState state = replay.finish();
            lines++;
            if (!state.whoMaps(0, 1L << 52).isEmpty()) {
                linesWithMappings++;
            }
            return new ArrayList<>(RmapAgreement.differences(world.kernel(), state));
        }
    }
}
