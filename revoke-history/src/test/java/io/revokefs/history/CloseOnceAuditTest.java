package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.RevokeCompleted;
import io.revokefs.core.event.RevokeEvent.VmaClosed;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code CLOSE_ONCE} (docs/semantics.md section 9) on logs of real runs with a closing test driver, and
 * on the same logs with one planted defect each: a double close, a close after
 * {@code RevokeCompleted}, a VMA, a split piece or a fork copy left unclosed by its revoke (and a copy
 * whose {@code ->open} the revoke refused, owed nothing). A run whose driver has no close (no
 * {@code VmaClosed} at all) passes.
 */
class CloseOnceAuditTest {

    /** Two VMAs, one split by a partial munmap (its middle piece closed at unmap), a fork, a revoke. */
    private static List<RevokeEvent> closingRun(boolean vmClose) {
        Sim sim = new Sim();
        sim.driver().setVmClose(vmClose);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma a = sim.mmap(p, f, 4, 0);
        sim.mmap(p, f, 2, 4);
        p.munmap(a.start() + 4096, 1);
        p.fork();
        sim.object().revoke("test");
        return sim.log().events().stream().map(RecordedEvent::event).toList();
    }

    private static List<Auditor.Finding> closeOnce(List<RevokeEvent> log) {
        return Auditor.audit(Logs.numbered(log)).stream().filter(x -> x.invariant() == Auditor.Invariant.CLOSE_ONCE).toList();
    }

    @Test
    void aRunWithAClosingDriverIsClean() {
        List<RevokeEvent> log = closingRun(true);
        assertThat(log).filteredOn(VmaClosed.class::isInstance).hasSizeGreaterThanOrEqualTo(7);
        assertThat(Auditor.audit(Logs.numbered(log))).isEmpty();
    }

    @Test
    void theHandWrittenLogWithEveryTypeIsClean() {
        assertThat(Auditor.audit(Logs.numbered(Logs.everyType()))).isEmpty();
    }

    @Test
    void aRunWhoseDriverHasNoCloseHasNoVmaClosedAndPasses() {
        List<RevokeEvent> log = closingRun(false);
        assertThat(log).noneMatch(VmaClosed.class::isInstance);
        assertThat(Auditor.audit(Logs.numbered(log))).isEmpty();
    }

    @Test
    void aDoubleCloseIsFound() {
        List<RevokeEvent> log = new ArrayList<>(closingRun(true));
        int i = indexOfFirst(log, VmaClosed.class);
        log.add(i + 1, log.get(i));
        assertThat(closeOnce(log)).singleElement().satisfies(x -> assertThat(x.message()).contains("a second time"));
    }

    @Test
    void aCloseAfterRevokeCompletedIsFound() {
        List<RevokeEvent> log = new ArrayList<>(closingRun(true));
        VmaClosed last = (VmaClosed) log.get(lastIndexOf(log, VmaClosed.class));
        // The same VMA, a page no other close covered, after the revoke completed.
        log.add(lastIndexOf(log, RevokeCompleted.class) + 1,
                new VmaClosed(last.object(), last.vma(), last.pgoff() + last.pages() + 100, 1, VmaClosed.Cause.UNMAP));
        assertThat(closeOnce(log)).anySatisfy(x -> assertThat(x.message()).contains("after the revoke completed"));
    }

    @Test
    void aVmaLeftUnclosedByItsRevokeIsFound() {
        List<RevokeEvent> log = new ArrayList<>(closingRun(true));
        // Drop every REVOKE close of the second VMA (mapped by Mmapped, still mapped at RevokeCompleted).
        String second = log.stream().filter(RevokeEvent.Mmapped.class::isInstance).map(e -> ((RevokeEvent.Mmapped) e).vma())
                .skip(1).findFirst().orElseThrow();
        log.removeIf(e -> e instanceof VmaClosed c && c.vma().equals(second) && c.cause() == VmaClosed.Cause.REVOKE);
        assertThat(closeOnce(log)).singleElement().satisfies(x -> assertThat(x.message()).contains(second).contains("not closed"));
    }

    @Test
    void aSplitPieceLeftUnclosedByItsRevokeIsFound() {
        List<RevokeEvent> log = new ArrayList<>(closingRun(true));
        // The first VMA was split by the munmap of its second page: [0, 1) and [2, 4) are left, each
        // closed by the revoke. Drop the close of [2, 4) only: the VMA still has a close, the piece not.
        String first = log.stream().filter(RevokeEvent.Mmapped.class::isInstance).map(e -> ((RevokeEvent.Mmapped) e).vma())
                .findFirst().orElseThrow();
        assertThat(log.removeIf(e -> e instanceof VmaClosed c && c.vma().equals(first) && c.cause() == VmaClosed.Cause.REVOKE
                && c.pgoff() == 2)).isTrue();
        assertThat(closeOnce(log)).singleElement().satisfies(x -> assertThat(x.message()).contains(first)
                .contains("[0x2, 0x4)").contains("not closed"));
    }

    @Test
    void aForkCopyLeftUnclosedByItsRevokeIsFound() {
        List<RevokeEvent> log = new ArrayList<>(closingRun(true));
        String copy = firstCopy(log);
        assertThat(log.removeIf(e -> e instanceof VmaClosed c && c.vma().equals(copy))).isTrue();
        assertThat(closeOnce(log)).isNotEmpty().allSatisfy(x -> assertThat(x.message()).contains(copy).contains("not closed"));
    }

    @Test
    void aForkCopyWhoseOpenTheRevokeRefusedIsOwedNoClose() {
        // The same copy without its closes, but its ->open refused (the fork ran once the revoke
        // began): it never reached the driver, so nothing is owed.
        List<RevokeEvent> log = new ArrayList<>(closingRun(true));
        String copy = firstCopy(log);
        log.removeIf(e -> e instanceof VmaClosed c && c.vma().equals(copy));
        RevokeEvent.VmaDuplicated dup = (RevokeEvent.VmaDuplicated) log.stream()
                .filter(e -> e instanceof RevokeEvent.VmaDuplicated d && d.vma().equals(copy)).findFirst().orElseThrow();
        log.add(log.indexOf(dup) + 1, new RevokeEvent.AccessRefused(dup.object(), RevokeEvent.AccessRefused.OPEN,
                RevokeEvent.AccessRefused.NONE, null, copy));
        assertThat(Auditor.audit(Logs.numbered(log))).isEmpty();
    }

    private static String firstCopy(List<RevokeEvent> log) {
        return log.stream().filter(RevokeEvent.VmaDuplicated.class::isInstance).map(e -> ((RevokeEvent.VmaDuplicated) e).vma())
                .findFirst().orElseThrow();
    }

    private static int indexOfFirst(List<RevokeEvent> log, Class<?> type) {
        for (int i = 0; i < log.size(); i++) {
            if (type.isInstance(log.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no " + type.getSimpleName());
    }

    private static int lastIndexOf(List<RevokeEvent> log, Class<?> type) {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (type.isInstance(log.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no " + type.getSimpleName());
    }
}
