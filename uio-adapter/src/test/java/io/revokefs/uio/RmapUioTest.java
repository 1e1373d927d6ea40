package io.revokefs.uio;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Rmap;
import io.revokefs.core.kernel.Vma;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rmap through uio's own mapping, where {@code vm_pgoff} is the map index: the maps' file pages
 * overlap (map 1 is mmapped at file page 1, which is also map 0's second page), so the inverse is a
 * superset and the rmap must keep each VMA to the pages its own map puts at the PFN.
 */
class RmapUioTest {
    private final Kernel kernel = new Kernel(new InMemoryEventLog());
    private final Uio uio = new Uio(kernel);
    private final UioDevice dev = uio.register(new UioInfo("dev", List.of(
            new UioMem("ram", UioMem.Type.LOGICAL, 4), new UioMem("regs", UioMem.Type.PHYS, 2)), true, null));
    private final Process p = kernel.newProcess(0);

    @Test
    void eachMapIsFoundAtItsOwnPhysicalPagesAndNotAtTheOtherMapsFilePages() {
        OpenFile f = p.open("/dev/uio0", false).value();
        Vma ram = p.mmap(f, 4, 0, true).value(); // map 0: file pages 0..3
        Vma regs = p.mmap(f, 2, 1, true).value(); // map 1: file pages 1..2, overlapping map 0's
        long ram0 = dev.mapFirstPfn(0);
        long regs0 = dev.mapFirstPfn(1);

        // The physical map is populated once linked; the logical one on fault.
        assertThat(Rmap.whoMaps(kernel, regs0, 1)).singleElement().satisfies(h -> {
            assertThat(h.vma()).isEqualTo(regs.id());
            assertThat(h.path()).isEqualTo("/dev/uio0");
            assertThat(h.object()).isEqualTo("uio:/dev/uio0");
            assertThat(h.firstPgoff()).isEqualTo(1);
            assertThat(h.present()).isEqualTo(1);
        });
        assertThat(Rmap.whoMaps(kernel, ram0 + 1, 1)).as("map 0's page 1, at file page 1 like map 1's page 0")
                .singleElement().satisfies(h -> {
                    assertThat(h.vma()).isEqualTo(ram.id());
                    assertThat(h.present()).isZero();
                });
        assertThat(p.load(ram.start() + Kernel.PAGE_SIZE).isOk()).isTrue();
        assertThat(Rmap.whoMaps(kernel, ram0 + 1, 1)).singleElement().extracting(Rmap.Hit::present).isEqualTo(1L);

        dev.unregister();
        assertThat(Rmap.presentCount(Rmap.whoMaps(kernel, ram0, 4))).isZero();
        assertThat(Rmap.presentCount(Rmap.whoMaps(kernel, regs0, 2))).isZero();
        assertThat(Rmap.whoMaps(kernel, regs0, 2)).as("the VMA stays after the unregister").hasSize(1);
    }
}
