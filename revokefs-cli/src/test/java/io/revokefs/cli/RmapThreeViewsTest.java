package io.revokefs.cli;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.kernel.Rmap;
import io.revokefs.history.ReplayState;
import io.revokefs.scenario.Scenario;
import io.revokefs.scenario.ScenarioException;
import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Step;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rmap through every view of physical memory: examples/pci-three-views.scenario run line by line,
 * the query asked just before the hot-unplug (three mappings, one per view, each with its PTE) and
 * just after (the same three VMAs, no PTE); the replayed log answers the same.
 */
class RmapThreeViewsTest {
    private static final Path EXAMPLE = Path.of("..", "examples", "pci-three-views.scenario");
    private static final long PAGE = 0x80001; // BAR0's page 1, stored to and loaded through all three views

    @Test
    void threeViewsThreeMappingsWithAPteThenNoneAfterTheUnplug() throws IOException {
        InMemoryEventLog log = new InMemoryEventLog();
        ScenarioProviders providers = ScenarioProviders.load();
        ScenarioWorld world = new ScenarioWorld(log, providers);
        ScenarioRunner runner = new ScenarioRunner(world);
        Scenario script = new ScenarioParser(providers).parse(EXAMPLE.toString(), Files.readAllLines(EXAMPLE));
        boolean unplugged = false;
        for (Step s : script.steps()) {
            boolean unplug = s.text().contains("/remove");
            if (unplug) {
                List<Rmap.Hit> before = Rmap.whoMaps(world.kernel(), PAGE, 1);
                assertThat(before).extracting(Rmap.Hit::path).containsExactly(
                        "/sys/devices/pci0000:00/0000:00:02.0/resource0", "/proc/bus/pci/00/02.0", "/dev/mem");
                assertThat(before).extracting(Rmap.Hit::adapter).containsExactly("sysfs", "procfs", "devmem");
                assertThat(before).allSatisfy(h -> {
                    assertThat(h.mapping()).isEqualTo("iomem");
                    assertThat(h.firstPgoff()).isEqualTo(PAGE);
                    assertThat(h.present()).isEqualTo(1);
                });
                assertThat(Rmap.presentCount(before)).isEqualTo(3);
                // Page 0: reached by all three; only /proc/bus/pci populated it (at mmap), the others fault.
                assertThat(Rmap.whoMaps(world.kernel(), PAGE - 1, 1)).extracting(Rmap.Hit::present).containsExactly(0L, 1L, 0L);
                assertSameAsReplay(world, log);
            }
            runner.runLine(script, s);
            if (unplug) {
                unplugged = true;
                List<Rmap.Hit> after = Rmap.whoMaps(world.kernel(), PAGE, 1);
                assertThat(after).as("the VMAs stay").hasSize(3);
                assertThat(Rmap.presentCount(after)).isZero();
                assertSameAsReplay(world, log);
            }
        }
        assertThat(unplugged).isTrue();
    }

    @Test
    void anUnmetWhomapsNamesWhoMapsThePage() {
        ScenarioProviders providers = ScenarioProviders.load();
        ScenarioRunner runner = new ScenarioRunner(new ScenarioWorld(new InMemoryEventLog(), providers));
        Scenario script = new ScenarioParser(providers).parse("t", List.of(
                "pci 0000:00:02.0 bar0=16@0x80000",
                "process p",
                "p open /dev/mem as mem",
                "p mmap mem pages=2 offset=0x80000 as v",
                "p load v page=1",
                "whomaps 0x80001 expect=0"));
        assertThatThrownBy(() -> runner.run(script)).isInstanceOf(ScenarioException.class)
                .hasMessageContaining("t:6").hasMessageContaining("expected 0, got 1")
                .hasMessageContaining("via /dev/mem (devmem:/dev/mem, mapping iomem) 1 of 1 page present");
    }

    @Test
    void badWhomapsLinesAreRefusedBeforeAnythingRuns() {
        ScenarioParser parser = new ScenarioParser(ScenarioProviders.load());
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 0x80000"))).hasMessageContaining("t:1")
                .hasMessageContaining("whomaps needs expect=COUNT");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 0x80000 expect=ok"))).hasMessageContaining("is not a count");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 0x80000 expect=-1"))).hasMessageContaining("is not a count");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 0x10000000000000 expect=0"))).hasMessageContaining("out of range");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 0xfffffffffffff pages=2 expect=0"))).hasMessageContaining("pages: 2 is out of range");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 1 pages=0 expect=0"))).hasMessageContaining("out of range");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps x expect=0"))).hasMessageContaining("is not a number");
        assertThatThrownBy(() -> parser.parse("t", List.of("whomaps 1 bogus=1 expect=0"))).hasMessageContaining("has no option 'bogus'");
        assertThatThrownBy(() -> parser.parse("t", List.of("process p", "p whomaps 1 expect=0"))).hasMessageContaining("is not run by a process");
    }

    private static void assertSameAsReplay(ScenarioWorld world, InMemoryEventLog log) {
        List<ReplayState.PfnReach> replayed = ReplayState.of(log.events()).whoMaps(PAGE, 1);
        List<Rmap.Hit> live = Rmap.whoMaps(world.kernel(), PAGE, 1);
        assertThat(replayed).extracting(r -> r.pid() + " " + r.vma() + " " + r.object() + " " + r.pages() + " " + r.present())
                .containsExactlyElementsOf(live.stream().map(h -> h.pid() + " " + h.vma() + " " + h.object() + " " + h.pages() + " " + h.present()).toList());
    }
}
