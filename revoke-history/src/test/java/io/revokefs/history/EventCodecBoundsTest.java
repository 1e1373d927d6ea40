package io.revokefs.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The log reader's field checks and defaults exactly at their bounds (docs/events.md): a mapping's
 * last frame at 2^63 - 1 is read and one past it refused; an unmap's or a close's piece of no pages
 * refused; a zap's negative counts and a range past the file refused; a zap without a count and an
 * unmap or close without pages read as "to the end of the file" from their first page. Found by
 * mutation testing (issue 18 point 12): those comparisons and the defaults' arithmetic were
 * removable.
 */
class EventCodecBoundsTest {

    private static RecordedEvent read(RevokeEvent e, Consumer<ObjectNode> edit) {
        try {
            ObjectNode node = (ObjectNode) JsonLines.MAPPER.readTree(JsonLines.toLine(new RecordedEvent(1, 100, e)));
            edit.accept(node);
            byte[] b = JsonLines.MAPPER.writeValueAsBytes(node);
            return JsonLines.parseLine(b, b.length, 7);
        } catch (java.io.IOException x) {
            throw new AssertionError(x);
        }
    }

    private static void refused(RevokeEvent e, Consumer<ObjectNode> edit, String message) {
        assertThatThrownBy(() -> read(e, edit)).isInstanceOf(MalformedLogException.class)
                .hasMessageContaining("line 7").hasMessageContaining(message);
    }

    @Test
    void aMappingsFramesEndAtTwoToTheSixtyThirdAtMost() {
        RevokeEvent.Mmapped m = new RevokeEvent.Mmapped("o", "file-1", "vma-1", 1, 0, 4, "iomem", 0, 0L);
        long last = Long.MAX_VALUE - 3; // frames last .. last + 3 = 2^63 - 1
        assertThat(((RevokeEvent.Mmapped) read(m, n -> n.put("pfn", last)).event()).pfn()).isEqualTo(last);
        refused(m, n -> n.put("pfn", last + 1), "'pfn' must be 0 or more");
        refused(m, n -> n.put("pfn", -1), "'pfn' must be 0 or more");
        assertThat(((RevokeEvent.Mmapped) read(m, n -> n.put("pfn", 0)).event()).pfn()).isZero();
    }

    @Test
    void anUnmapsOrACloseOfNoPagesIsRefusedAndWithoutPagesRunsToTheEndOfTheFile() {
        RevokeEvent.VmaUnmapped u = new RevokeEvent.VmaUnmapped("o", "vma-1", 2, 3);
        refused(u, n -> n.put("pages", 0), "'pages' must be at least 1");
        assertThat(((RevokeEvent.VmaUnmapped) read(u, n -> n.remove("pages")).event()).pages()).isEqualTo(EventCodec.WHOLE - 2);
        RevokeEvent.VmaClosed c = new RevokeEvent.VmaClosed("o", "vma-1", 2, 3, RevokeEvent.VmaClosed.Cause.UNMAP);
        refused(c, n -> n.put("pages", 0), "'pages' must be at least 1");
        assertThat(((RevokeEvent.VmaClosed) read(c, n -> n.remove("pages")).event()).pages()).isEqualTo(EventCodec.WHOLE - 2);
        assertThat(((RevokeEvent.VmaClosed) read(c, n -> { }).event()).pages()).isEqualTo(3);
    }

    @Test
    void aZapsCountsAreNotNegativeItsRangeIsInTheFileAndWithoutACountItRunsToTheEnd() {
        RevokeEvent.MappingsZapped z = new RevokeEvent.MappingsZapped("o", 1, 2, "m", 5, 10);
        refused(z, n -> n.put("vmas", -1), "'vmas' and 'ptes' must be 0 or more");
        refused(z, n -> n.put("ptes", -1), "'vmas' and 'ptes' must be 0 or more");
        refused(z, n -> n.put("first", -1), "is outside the file");
        refused(z, n -> n.put("count", -1), "is outside the file");
        assertThat(((RevokeEvent.MappingsZapped) read(z, n -> n.put("first", Long.MAX_VALUE - 10)).event()).first())
                .isEqualTo(Long.MAX_VALUE - 10);
        refused(z, n -> n.put("first", Long.MAX_VALUE - 9), "is outside the file");
        assertThat(((RevokeEvent.MappingsZapped) read(z, n -> n.remove("count")).event()).count()).isEqualTo(EventCodec.WHOLE - 5);
        assertThat(((RevokeEvent.MappingsZapped) read(z, n -> { }).event()).count()).isEqualTo(10);
    }
}
