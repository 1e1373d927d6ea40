package io.revokefs.explore;

import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScriptFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs/races.md cases on each adapter they apply to (issue 12): {@code src/test/resources/races/RNN-ADAPTER.scenario}
 * writes the race as a {@code together} block on the real sysfs, /proc/bus/pci, procfs, uio or
 * /dev/mem code, with the outcomes its row of docs/races.md allows as {@code expect} alternatives and the
 * state it promises after the race as the lines after the block. Each is explored exhaustively at
 * the default preemption bound (on two workers); the auditor, the no-live-PTE check and every expect hold in every
 * schedule. (That the explorer catches a broken expectation is shown by ScriptExploreTest.)
 */
class AdapterRaceCasesExploreTest {
    private static final Path DIR = Path.of("src/test/resources/races");
    private static final ScenarioProviders ADAPTERS = ScenarioProviders.load();

    static Stream<String> scripts() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".scenario")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void raceCaseHoldsInEveryScheduleOnTheAdapter(String name) throws IOException {
        List<ScriptCase> cs = ScriptCase.of(name, ADAPTERS, new ScenarioParser(ADAPTERS).parse(name, ScriptFiles.read(DIR.resolve(name))));
        assertThat(cs).hasSize(1);
        Report r = ExploreReportFile.add(Explorer.explore(cs.get(0), TestBounds.options().withWorkers(2)), "(2 workers)");
        assertThat(r.failure()).as(r.failure().map(f -> f.describe(30)).orElse("")).isEmpty();
        assertThat(r.exhaustive()).as("exhausted within the default bounds").isTrue();
    }
}
