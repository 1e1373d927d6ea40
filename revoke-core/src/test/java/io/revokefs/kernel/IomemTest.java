package io.revokefs.kernel;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The iomem resource tree as kernel/resource.c keeps it ({@code __insert_resource},
 * {@code __request_region}, {@code __release_region}, {@code iomem_is_exclusive}), from the core
 * alone: mutation testing (issue 18 point 12) found it tested only through the adapters.
 */
class IomemTest {
    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final Iomem iomem = kernel.iomem();

    @Test
    void aResourceNestsUnderTheDeepestOneContainingIt() {
        Iomem.Resource bar = iomem.insert("0000:00:02.0 BAR0", 0x1000, 16);
        Iomem.Resource inner = iomem.insert("inner", 0x1004, 4);
        Iomem.Resource sibling = iomem.insert("0000:00:03.0 BAR0", 0x1010, 1); // just past the BAR's last page
        assertThat(bar.lastPfn()).isEqualTo(0x100f);
        assertThat(bar.has(Iomem.Flag.MEM)).isTrue();
        assertThat(bar.has(Iomem.Flag.BUSY)).isFalse();
        assertThat(inner.toString()).isEqualTo("inner [0x1004-0x1007][MEM]");
        // The inner one sits under the BAR: a claim of the BAR's whole range meets it as a child.
        assertThat(iomem.requestRegion("driver", 0x1000, 16, false).errnoOrNull()).isEqualTo(Errno.EBUSY);
        assertThat(iomem.requestRegion("driver", 0x1008, 8, false).isOk()).as("beside the inner one, inside the BAR").isTrue();
        assertThat(sibling.firstPfn()).isEqualTo(0x1010);
    }

    @Test
    void anOverlapThatDoesNotNestIsRefused() {
        iomem.insert("a", 0x100, 8);
        assertThatThrownBy(() -> iomem.insert("b", 0x104, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conflicts with a [0x100-0x107]");
        assertThatThrownBy(() -> iomem.insert("c", 0xff, 2)).isInstanceOf(IllegalArgumentException.class);
        iomem.insert("d", 0x108, 1); // adjacent is not an overlap
        iomem.insert("e", 0xfe, 2); // nor adjacent below
        assertThat(iomem.root().name()).isEqualTo("iomem");
    }

    @Test
    void aClaimIsBusyAndAnOverlappingClaimIsEbusy() {
        Iomem.Resource bar = iomem.insert("BAR0", 0x2000, 16);
        Result<Iomem.Resource> claim = iomem.requestRegion("vfio-pci", 0x2000, 4, false);
        assertThat(claim.isOk()).isTrue();
        Iomem.Resource c = claim.value();
        assertThat(c.has(Iomem.Flag.BUSY)).isTrue();
        assertThat(c.has(Iomem.Flag.EXCLUSIVE)).isFalse();
        assertThat(iomem.isBusy(0x2003, 1)).isTrue();
        assertThat(iomem.isBusy(0x2004, 12)).as("the rest of the BAR").isFalse();
        assertThat(iomem.isBusy(0x1fff, 2)).as("a range reaching into the claim").isTrue();
        assertThat(iomem.requestRegion("other", 0x2003, 2, false).errnoOrNull()).isEqualTo(Errno.EBUSY);
        // Inside a busy resource nothing more is claimed (__request_region: a BUSY parent conflicts).
        assertThat(iomem.requestRegion("nested", 0x2001, 1, false).errnoOrNull()).isEqualTo(Errno.EBUSY);
        iomem.releaseRegion(c);
        assertThat(iomem.isBusy(0x2000, 16)).isFalse();
        assertThat(iomem.requestRegion("other", 0x2003, 2, false).isOk()).isTrue();
        assertThatThrownBy(() -> iomem.releaseRegion(bar)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a claimed region");
    }

    @Test
    void onlyAnExclusiveClaimMakesItsPagesExclusive() {
        iomem.insert("BAR0", 0x3000, 16);
        Iomem.Resource shared = iomem.requestRegion("shared", 0x3000, 2, false).value();
        Iomem.Resource excl = iomem.requestRegion("excl", 0x3008, 2, true).value();
        assertThat(excl.has(Iomem.Flag.EXCLUSIVE)).isTrue();
        assertThat(iomem.isExclusive(0x3000)).isFalse();
        assertThat(iomem.isExclusive(0x3009)).isTrue();
        assertThat(iomem.isExclusive(0x300a)).isFalse();
        assertThat(iomem.isBusy(0x3000, 1)).as("busy all the same (IO_STRICT_DEVMEM)").isTrue();
        iomem.releaseRegion(excl);
        assertThat(iomem.isExclusive(0x3009)).isFalse();
        assertThat(shared.pages()).isEqualTo(2);
    }

    @Test
    void removingAResourceTakesItsChildrenWithIt() {
        Iomem.Resource bar = iomem.insert("BAR0", 0x4000, 16);
        iomem.requestRegion("driver", 0x4000, 16, false);
        assertThat(iomem.isBusy(0x4000, 16)).isTrue();
        iomem.remove(bar);
        assertThat(iomem.isBusy(0x4000, 16)).as("hot-unplug removed the BAR and the claim under it").isFalse();
        iomem.remove(bar); // a second remove is a no-op
        assertThat(iomem.insert("BAR0 again", 0x4000, 16).name()).isEqualTo("BAR0 again");
    }

    @Test
    void aSuccessfulClaimRecordsTheIomemZapOfItsRangeAndARefusedOneDoesNot() {
        iomem.insert("BAR0", 0x5000, 16);
        iomem.requestRegion("driver", 0x5004, 4, false);
        assertThat(iomem.requestRegion("again", 0x5004, 1, false).isOk()).isFalse();
        assertThat(log.events()).extracting(RecordedEvent::event).containsExactly(
                new RevokeEvent.MappingsZapped(Kernel.IOMEM_OBJECT, 0, 0, Kernel.IOMEM_OBJECT, 0x5004, 4));
        // Once the iomem inode's mapping is published, the zap names it.
        AddressSpace m = kernel.publishIomemMapping();
        iomem.requestRegion("driver2", 0x5008, 2, false);
        List<RecordedEvent> events = log.events();
        assertThat(events.get(events.size() - 1).event())
                .isEqualTo(new RevokeEvent.MappingsZapped(Kernel.IOMEM_OBJECT, 0, 0, m.id(), 0x5008, 2));
    }
}
