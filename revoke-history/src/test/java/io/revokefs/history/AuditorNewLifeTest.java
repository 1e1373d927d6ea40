package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A new {@code ObjectRegistered} starts a new life whose revoke is checked against its own VMAs, zaps,
 * files and closes only: what the last life left (a VMA a process still maps after that revoke, the
 * zaps of a revoke that never completed, a driver that closed VMAs) is not this life's. A sysfs file
 * removed and added again is a new kernfs node with a new inode, so its second life maps another
 * {@code address_space}. Found by mutation testing (issue 18 point 12): the auditor's resets at a new
 * life ({@code zaps.clear}, {@code vmas.clear}, {@code closes = 0}) removed passed every test.
 */
class AuditorNewLifeTest {
    private static final String O = "sysfs:/devices/pci0000:00/0000:00:03.0/resource0";

    /** Life 1 on mapping {@code m1}: its VMA vma-1 stays mapped after the revoke (zapped, not unmapped). */
    private static List<RevokeEvent> firstLife() {
        return List.of(
                new ObjectRegistered(O, "sysfs"),
                new FileOpened(O, "file-1", 100),
                new Mmapped(O, "file-1", "vma-1", 100, 0, 4, "m1", 0),
                new RevokeStarted(O, "hot-unplug"),
                new RevokeDrained(O, 0),
                new MappingsZapped(O, 1, 0, "m1", 0, 4),
                new FileReleased(O, "file-1", ReleaseCause.REVOKE),
                new RevokeCompleted(O));
    }

    /** Life 2 on mapping {@code m2}: vma-2 of 4 pages, then a revoke whose zap covers {@code zapped} pages of it. */
    private static List<RevokeEvent> secondLife(long zapped) {
        return List.of(
                new ObjectRegistered(O, "sysfs"),
                new FileOpened(O, "file-2", 100),
                new Mmapped(O, "file-2", "vma-2", 100, 0, 4, "m2", 0),
                new RevokeStarted(O, "hot-unplug"),
                new RevokeDrained(O, 0),
                new MappingsZapped(O, 1, 0, "m2", 0, zapped),
                new FileReleased(O, "file-2", ReleaseCause.REVOKE),
                new RevokeCompleted(O));
    }

    private static List<Finding> audit(List<? extends RevokeEvent> log) {
        return Auditor.audit(Logs.numbered(log));
    }

    @Test
    void aVmaTheLastLifeStillMapsIsNotCheckedAgainstTheNextLifesZaps() {
        List<RevokeEvent> log = new ArrayList<>(firstLife());
        log.addAll(secondLife(4));
        assertThat(audit(log)).as("each life's revoke zapped its own VMAs").isEmpty();

        List<RevokeEvent> partial = new ArrayList<>(firstLife());
        partial.addAll(secondLife(2));
        assertThat(audit(partial)).extracting(Finding::invariant, Finding::seq, Finding::message)
                .containsExactly(tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, 16L,
                        "vma-2 (pid 100) still maps [0x2, 0x4) of m2, outside every MappingsZapped of this revoke"));
    }

    @Test
    void aNewLifesRevokeIsNotCoveredByTheZapsOfTheUnfinishedRevokeBeforeIt() {
        List<RevokeEvent> log = new ArrayList<>(firstLife().subList(0, 6)); // life 1 ends after its zap
        log.addAll(List.of(
                new ObjectRegistered(O, "sysfs"),                          // 7
                new FileOpened(O, "file-2", 100),                          // 8
                new Mmapped(O, "file-2", "vma-2", 100, 0, 4, "m1", 0),      // 9: the same mapping, the same pages
                new FileReleased(O, "file-2", ReleaseCause.CLOSE),         // 10
                new RevokeCompleted(O)));                                   // 11: no RevokeStarted in this life
        assertThat(audit(log)).extracting(Finding::invariant, Finding::seq, Finding::message).containsExactly(
                tuple(Invariant.REVOKE_ORDER, 7L, "registered again while the revoke started at seq 4 had not completed"),
                tuple(Invariant.REVOKE_ORDER, 11L, "RevokeCompleted without a RevokeStarted"),
                tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, 11L,
                        "vma-2 (pid 100) still maps [0x0, 0x4) of m1 and no MappingsZapped of this revoke covered it"));
    }

    @Test
    void aLifeWhoseDriverDoesNotCloseIsNotHeldToTheLastLifesCloses() {
        List<RevokeEvent> log = new ArrayList<>(firstLife());
        log.add(6, new VmaClosed(O, "vma-1", 0, 4, VmaClosed.Cause.REVOKE)); // life 1's driver closes
        log.addAll(secondLife(4)); // life 2's does not: no VmaClosed
        assertThat(audit(log)).isEmpty();

        // Control: in one life, a VMA left unclosed by a driver that closes is found.
        List<RevokeEvent> oneLife = new ArrayList<>(firstLife());
        oneLife.add(3, new Mmapped(O, "file-1", "vma-3", 100, 0, 4, "m1", 0));
        oneLife.add(7, new VmaClosed(O, "vma-1", 0, 4, VmaClosed.Cause.REVOKE));
        assertThat(audit(oneLife)).extracting(Finding::invariant, Finding::message).containsExactly(tuple(
                Invariant.CLOSE_ONCE,
                "vma-3 (pid 100) still maps [0x0, 0x4) and was not closed by RevokeCompleted, though the driver closes VMAs"));
    }
}
