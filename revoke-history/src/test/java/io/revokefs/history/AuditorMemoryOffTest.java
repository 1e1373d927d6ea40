package io.revokefs.history;

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
 * NO_PTE_WHILE_MEMORY_OFF for each way a PTE is installed: a fault, an mmap that populated pages, a
 * fork that copied PTEs (VM_PFNMAP: {@code copy_page_range}); and none for the same events that
 * install nothing (an on-fault mmap, a fork copying no PTE), which vfio-pci allows while the memory
 * is off (the next access then faults and gets SIGBUS). Found by mutation testing (issue 18 point
 * 12): the checks of Faulted and VmaDuplicated removed, and the populated/ptes bounds moved, passed
 * every test.
 */
class AuditorMemoryOffTest {
    private static final String O = "vfio:/dev/vfio/7/bar0";

    /** A live object with vma-1 mapped, then memory off at seq 4, then {@code installs}. */
    private static List<Finding> whileOff(RevokeEvent... installs) {
        List<RevokeEvent> log = new ArrayList<>(List.of(
                new ObjectRegistered(O, "vfio"),
                new FileOpened(O, "file-1", 9),
                new Mmapped(O, "file-1", "vma-1", 9, 0, 4, "bar0", 0),
                new MemoryToggled(O, MemoryToggled.OFF, "config-write")));
        log.addAll(List.of(installs));
        return Auditor.audit(Logs.numbered(log)).stream()
                .filter(f -> f.invariant() == Invariant.NO_PTE_WHILE_MEMORY_OFF).toList();
    }

    @Test
    void aFaultWhileMemoryIsOffIsFound() {
        assertThat(whileOff(new Faulted(O, "vma-1", 2))).extracting(Finding::seq, Finding::message).containsExactly(
                tuple(5L, "Faulted on vma-1 page 2 while memory is off (since the MemoryToggled(off) at seq 4)"));
    }

    @Test
    void aForkThatCopiedPtesWhileMemoryIsOffIsFoundAndOneThatCopiedNoneIsNot() {
        assertThat(whileOff(new VmaDuplicated(O, "vma-2", "vma-1", 10, 1))).extracting(Finding::seq, Finding::message)
                .containsExactly(tuple(5L,
                        "VmaDuplicated vma-2 with 1 PTE(s) copied while memory is off (since the MemoryToggled(off) at seq 4)"));
        assertThat(whileOff(new VmaDuplicated(O, "vma-2", "vma-1", 10, 0))).isEmpty();
    }

    @Test
    void anMmapThatPopulatedNothingWhileMemoryIsOffIsNotFound() {
        assertThat(whileOff(new Mmapped(O, "file-1", "vma-2", 9, 0, 4, "bar0", 0))).isEmpty();
        assertThat(whileOff(new Mmapped(O, "file-1", "vma-2", 9, 0, 4, "bar0", 1))).extracting(Finding::seq).containsExactly(5L);
    }

    @Test
    void afterMemoryIsOnAgainAFaultIsFine() {
        assertThat(whileOff(new MemoryToggled(O, MemoryToggled.ON, "config-write"), new Faulted(O, "vma-1", 0))).isEmpty();
    }
}
