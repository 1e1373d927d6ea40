package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import io.revokefs.kernel.Errno;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A finding's two printed forms ({@code line()} for the command line, {@code toString()} for tests
 * and logs), each escaped to one line; and {@code retainedEntries}, the count the bounded-memory
 * checks read, counting each held entry once. Found by mutation testing (issue 18 point 12):
 * {@code toString} replaced by "", the escape's first-replacement condition negated, and the count's
 * sums turned into differences passed every test.
 */
class AuditorFindingTextTest {

    @Test
    void aFindingPrintsOnOneLineInBothForms() {
        Finding f = new Finding(Invariant.RELEASE_ONCE, 12, "uio:/dev/x\ny", "file-1\\2 released a second time");
        assertThat(f.line()).isEqualTo("RELEASE_ONCE seq=12 object=uio:/dev/x\\ny: file-1\\\\2 released a second time");
        assertThat(f).hasToString("RELEASE_ONCE at seq 12 (uio:/dev/x\\ny): file-1\\\\2 released a second time");
    }

    @Test
    void escapeLeavesPlainTextAloneAndRewritesFromTheFirstSpecialCharacterOn() {
        String plain = "sysfs:/devices/pci0000:00/0000:00:02.0/resource0";
        assertThat(Auditor.escape(plain)).isSameAs(plain);
        assertThat(Auditor.escape("ab\rc\\d\u0001")).isEqualTo("ab\\rc\\\\d\\u0001");
        assertThat(Auditor.escape("\nx")).isEqualTo("\\nx");
        assertThat(Auditor.escape(null)).isEqualTo("null");
    }

    @Test
    void retainedEntriesCountsEachHeldEntryOnce() {
        Auditor a = new Auditor(f -> { throw new AssertionError(f.toString()); });
        long[] seq = {0};
        java.util.function.Consumer<io.revokefs.core.event.RevokeEvent> feed = e -> a.accept(new RecordedEvent(++seq[0], 0, e));
        // b: one whole life, retired (one retired object, its file and VMA ids retired).
        feed.accept(new ObjectRegistered("b", "uio"));
        feed.accept(new FileOpened("b", "file-b", 1));
        feed.accept(new Mmapped("b", "file-b", "vma-b", 1, 0, 1, "b", 0));
        feed.accept(new RevokeStarted("b", "t"));
        feed.accept(new RevokeDrained("b", 0));
        feed.accept(new MappingsZapped("b", 1, 0, "b", 0, 1));
        feed.accept(new FileReleased("b", "file-b", ReleaseCause.REVOKE));
        feed.accept(new RevokeCompleted("b"));
        feed.accept(new VmaUnmapped("b", "vma-b", 0, 1));
        feed.accept(new FileClosed("b", "file-b"));
        assertThat(a.liveObjects()).isZero();
        assertThat(a.retainedEntries()).as("retired: object b, ids file-b and vma-b").isEqualTo(3);
        // a: live, with an open file, a VMA, and a refused open's id.
        feed.accept(new ObjectRegistered("a", "uio"));
        feed.accept(new FileOpened("a", "file-a", 1));
        feed.accept(new Mmapped("a", "file-a", "vma-a", 1, 0, 1, "a", 0));
        feed.accept(new OpenRefused("a", "file-r", 1, Errno.EACCES));
        assertThat(a.retainedEntries()).as("3, and object a, file-a, vma-a, file-r").isEqualTo(7);
    }
}
