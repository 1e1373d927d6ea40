package io.revokefs.cli;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.history.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code revokefs replay LOG --pfn N [--until SEQ]}: who maps a physical page, from the log alone. */
class RmapReplayCommandTest {
    @TempDir
    Path dir;

    private static final Path EXAMPLES = Path.of("..", "examples");

    private Path run(String example) {
        Path log = dir.resolve(example + ".jsonl");
        Cli c = Cli.run("run", EXAMPLES.resolve(example).toString(), "--log", log.toString());
        assertThat(c.code()).as(c.err()).isZero();
        return log;
    }

    private static long firstSeq(Path log, Class<? extends RevokeEvent> type, String object) throws IOException {
        for (RecordedEvent e : JsonLines.readAll(log)) {
            if (type.isInstance(e.event()) && e.event().object().equals(object)) {
                return e.seq();
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " of " + object + " in " + log);
    }

    @Test
    void theThreeViewsAndTheForkedCopyHaveTheirPtesUntilTheClaimAndNoneAfter() throws IOException {
        Path log = run("whomaps.scenario");
        long zap = firstSeq(log, RevokeEvent.MappingsZapped.class, "iomem");

        Cli before = Cli.run("replay", log.toString(), "--pfn", "0x80001", "--until", Long.toString(zap - 1));
        assertThat(before.code()).as(before.err()).isZero();
        assertThat(before.out()).contains("state after seq " + (zap - 1)).contains("who maps pfn 0x80001:")
                .contains("via sysfs:/devices/pci0000:00/0000:00:02.0/resource0 (life 1, mapping iomem) at pgoff 0x80001 (pfn 0x80001): 1 of 1 page present")
                .contains("via procfs:/proc/bus/pci/00/02.0").contains("via devmem:/dev/mem")
                .contains("mappings with a PTE present: 4").doesNotContain("not counted");
        assertThat(before.out().lines().filter(l -> l.startsWith("  pid ")).count()).isEqualTo(4);

        Cli after = Cli.run("replay", log.toString(), "--pfn", "0x80001");
        assertThat(after.code()).isZero();
        assertThat(after.out()).contains("mappings with a PTE present: 0").contains("0 of 1 page present");
        assertThat(after.out().lines().filter(l -> l.startsWith("  pid ")).count()).as("the VMAs stay").isEqualTo(4);

        Cli range = Cli.run("replay", log.toString(), "--pfn", "524288", "--pages", "16", "--until", Long.toString(zap - 1),
                "--object", "devmem:/dev/mem");
        assertThat(range.out()).contains("who maps pfn 0x80000-0x8000f:").contains("1 of 4 pages present")
                .contains("mappings with a PTE present: 1");
    }

    @Test
    void aVfioDeviceFilesMappingIsFoundByPhysicalPageThroughTheMmappedPfn() throws IOException {
        Path log = run("vfio-fault.scenario");
        String vfio = "vfio:/dev/vfio/devices/vfio0";
        long fault = firstSeq(log, RevokeEvent.Faulted.class, vfio);
        assertThat(Files.readString(log)).contains("\"type\":\"Mmapped\",\"object\":\"" + vfio).contains("\"pfn\":524288");

        Cli c = Cli.run("replay", log.toString(), "--pfn", "0x80001", "--until", Long.toString(fault));
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("via " + vfio + " (life 1, mapping " + vfio + ") at pgoff 0x1 (pfn 0x80001): 1 of 1 page present");
        // BAR2 is mapped from its page 1, at vm_pgoff (2 << 28) + 1: its page 2 is found at file page (2 << 28) + 2.
        long bar2Page1 = JsonLines.readAll(log).stream().map(RecordedEvent::event)
                .filter(e -> e instanceof RevokeEvent.Mmapped m && m.pgoff() == (2L << 28) + 1)
                .map(e -> ((RevokeEvent.Mmapped) e).pfn()).findFirst().orElseThrow();
        Cli bar2 = Cli.run("replay", log.toString(), "--pfn", Long.toString(bar2Page1 + 1), "--until", Long.toString(fault + 10));
        assertThat(bar2.out()).contains(String.format("at pgoff 0x%x (pfn 0x%x)", (2L << 28) + 2, bar2Page1 + 1));
    }

    @Test
    void badPfnOptionsAreRefusedWithTheirNameAndNoStateIsPrinted() throws IOException {
        Path log = run("whomaps.scenario");
        for (List<String> args : List.of(List.of("--pfn", "x"), List.of("--pfn", "-1"), List.of("--pfn", "1", "--pages", "0"),
                List.of("--pages", "2"))) {
            String[] argv = new String[args.size() + 2];
            argv[0] = "replay";
            argv[1] = log.toString();
            for (int i = 0; i < args.size(); i++) {
                argv[i + 2] = args.get(i);
            }
            Cli c = Cli.run(argv);
            assertThat(c.code()).as(args.toString()).isNotZero();
            assertThat(c.err()).as(args.toString()).containsAnyOf("--pfn", "--pages");
            assertThat(c.out()).doesNotContain("state after");
            assertThat(c.err()).doesNotContain("\tat ");
        }
    }
}
