package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * NO_LIVE_MAPPING_AFTER_REVOKE over a VMA with holes (pages unmapped from its middle) and an object
 * backed by several ranges, whose zap step records one {@code MappingsZapped} per range: the pages
 * the VMA still maps, each covered by one of the zaps, leave nothing uncovered. A RangeSet bug
 * (a removed range's end read after TreeMap had moved the next range into its node) made this clean
 * log report a page no VMA mapped; RangeSetModelTest found it.
 */
class AuditorCoverageTest {
    private static final String O = "procfs:/proc/bus/pci/00/02.0";

    /** vma-1 maps [0,10), loses [2,4) and [6,8); the revoke zaps each {first, count} of {@code zaps} in order. */
    private static List<RevokeEvent> revokeWithZaps(long[]... zaps) {
        List<RevokeEvent> log = new ArrayList<>(List.of(
                new ObjectRegistered(O, "procfs"),
                new FileOpened(O, "file-1", 100),
                new Mmapped(O, "file-1", "vma-1", 100, 0, 10, "iomem", 0),
                new VmaUnmapped(O, "vma-1", 2, 2),
                new VmaUnmapped(O, "vma-1", 6, 2), // still maps [0,2), [4,6), [8,10)
                new RevokeStarted(O, "remove_proc_entry"),
                new RevokeDrained(O, 0)));
        for (long[] z : zaps) {
            log.add(new MappingsZapped(O, 1, 0, "iomem", z[0], z[1]));
        }
        log.add(new FileReleased(O, "file-1", ReleaseCause.REVOKE));
        log.add(new RevokeCompleted(O));
        return log;
    }

    @Test
    void aVmaWithHolesCoveredPieceByPieceByThreeZapsAuditsClean() {
        assertThat(Auditor.audit(Logs.numbered(revokeWithZaps(new long[] {3, 4}, new long[] {0, 2}, new long[] {8, 2}))))
                .isEmpty();
    }

    @Test
    void theSameVmaWithOneRangeLeftUnzappedIsFound() {
        assertThat(Auditor.audit(Logs.numbered(revokeWithZaps(new long[] {3, 4}, new long[] {8, 2}))))
                .extracting(Auditor.Finding::message).containsExactly(
                        "vma-1 (pid 100) still maps [0x0, 0x2) of iomem, outside every MappingsZapped of this revoke");
    }
}
