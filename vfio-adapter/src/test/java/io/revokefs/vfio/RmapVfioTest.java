package io.revokefs.vfio;

import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Rmap;
import io.revokefs.core.kernel.Vma;
import io.revokefs.history.ReplayState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rmap through vfio-pci's own mapping: the device file's {@code vm_pgoff} is region index and
 * page ({@code vma_to_pfn}), not a PFN, so the rmap finds its VMAs through the device's
 * {@code PfnMapping} inverse, beside the /dev/mem view of the same BAR in the iomem mapping; replay of
 * the log gives the same answer.
 */
class RmapVfioTest {
    private final VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
    private final Process p = w.root();
    private final Process q = w.root();

    private List<Rmap.Hit> live(long pfn, long pages) {
        return Rmap.whoMaps(w.kernel, pfn, pages);
    }

    private List<ReplayState.PfnReach> replayed(long pfn, long pages) {
        return ReplayState.of(w.log.events()).whoMaps(pfn, pages);
    }

    @Test
    void aBarMappingOfTheDeviceFileIsFoundByPhysicalPageWithItsPteOnceFaulted() {
        OpenFile f = w.open(p);
        Vma bar0 = VfioWorld.mmap(p, f, 0, 4, 0);
        Vma bar2 = VfioWorld.mmap(p, f, 2, 2, 1); // BAR2 pages 1 and 2

        List<Rmap.Hit> hits = live(VfioWorld.BAR0_PFN + 1, 1);
        assertThat(hits).hasSize(1);
        Rmap.Hit h = hits.get(0);
        assertThat(h.vma()).isEqualTo(bar0.id());
        assertThat(h.pid()).isEqualTo(p.pid());
        assertThat(h.path()).isEqualTo(VfioWorld.PATH);
        assertThat(h.object()).isEqualTo(VfioWorld.ID);
        assertThat(h.adapter()).isEqualTo("vfio");
        assertThat(h.mapping()).isEqualTo(w.device.object().mapping().id()).isNotEqualTo("iomem");
        assertThat(h.firstPgoff()).isEqualTo(VfioDevice.regionPgoff(0, 1));
        assertThat(h.firstPfn()).isEqualTo(VfioWorld.BAR0_PFN + 1);
        assertThat(h.present()).as("populated on fault: nothing yet").isZero();

        assertThat(p.load(VfioWorld.page(bar0, 1)).isOk()).isTrue();
        assertThat(live(VfioWorld.BAR0_PFN + 1, 1)).singleElement().extracting(Rmap.Hit::present).isEqualTo(1L);
        assertThat(live(VfioWorld.BAR0_PFN, 1)).singleElement().extracting(Rmap.Hit::present).isEqualTo(0L);

        // BAR2's page 2 is file page (2 << 28) + 2 of the same mapping.
        assertThat(live(VfioWorld.BAR2_PFN + 2, 1)).singleElement().satisfies(x -> {
            assertThat(x.vma()).isEqualTo(bar2.id());
            assertThat(x.firstPgoff()).isEqualTo(VfioDevice.regionPgoff(2, 2));
        });
        assertThat(live(VfioWorld.BAR2_PFN, 1)).as("BAR2 page 0 is not mapped").isEmpty();
        assertThat(live(VfioWorld.BAR0_PFN + 4, 1)).as("past the BAR0 mapping").isEmpty();
        // The whole device: both VMAs, each with the pages it reaches.
        assertThat(live(VfioWorld.BAR0_PFN, VfioWorld.BAR0_PAGES + VfioWorld.BAR2_PAGES))
                .extracting(Rmap.Hit::vma, Rmap.Hit::pages, Rmap.Hit::present)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(bar0.id(), 4L, 1L), org.assertj.core.groups.Tuple.tuple(bar2.id(), 2L, 0L));
        assertSameAsReplay(VfioWorld.BAR0_PFN, VfioWorld.BAR0_PAGES + VfioWorld.BAR2_PAGES);
    }

    @Test
    void memoryOffAndTheRemoveLeaveTheVmaButNoPte() {
        OpenFile f = w.open(p);
        Vma bar0 = VfioWorld.mmap(p, f, 0, 4, 0);
        assertThat(p.load(VfioWorld.page(bar0, 2)).isOk()).isTrue();
        assertThat(Rmap.presentCount(live(VfioWorld.BAR0_PFN + 2, 1))).isEqualTo(1);

        assertThat(VfioDevice.writeMemoryBit(p, f, false).isOk()).isTrue();
        assertThat(live(VfioWorld.BAR0_PFN + 2, 1)).singleElement().extracting(Rmap.Hit::present).isEqualTo(0L);
        assertSameAsReplay(VfioWorld.BAR0_PFN, 4);

        assertThat(VfioDevice.writeMemoryBit(p, f, true).isOk()).isTrue();
        assertThat(p.load(VfioWorld.page(bar0, 2)).isOk()).isTrue();
        w.bus.remove(VfioWorld.BDF);
        assertThat(Rmap.presentCount(live(VfioWorld.BAR0_PFN + 2, 1))).as("after the remove").isZero();
        assertThat(live(VfioWorld.BAR0_PFN + 2, 1)).as("the VMA stays").hasSize(1);
        assertSameAsReplay(VfioWorld.BAR0_PFN, 4);
    }

    @Test
    void theDevMemViewAndTheDeviceFileOfOneBarAreBothFoundUntilTheClaimZapsDevMem() {
        OpenFile mem = q.open("/dev/mem", false).value();
        Vma view = q.mmap(mem, 2, VfioWorld.BAR0_PFN, true).value();
        assertThat(q.load(view.start()).isOk()).isTrue();
        List<Rmap.Hit> before = live(VfioWorld.BAR0_PFN, 1);
        assertThat(before).singleElement().satisfies(h -> {
            assertThat(h.mapping()).isEqualTo("iomem");
            assertThat(h.path()).isEqualTo("/dev/mem");
            assertThat(h.present()).isEqualTo(1);
        });

        OpenFile f = w.open(p);
        Vma bar0 = VfioWorld.mmap(p, f, 0, 4, 0); // the first mmap claims BAR0: /dev/mem is zapped
        assertThat(p.load(VfioWorld.page(bar0, 0)).isOk()).isTrue();
        List<Rmap.Hit> after = live(VfioWorld.BAR0_PFN, 1);
        assertThat(after).extracting(Rmap.Hit::vma, Rmap.Hit::present)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(view.id(), 0L), org.assertj.core.groups.Tuple.tuple(bar0.id(), 1L));
        assertSameAsReplay(VfioWorld.BAR0_PFN, 1);
    }

    /** Replay's answer from the log alone, compared field by field with the live one. */
    private void assertSameAsReplay(long pfn, long pages) {
        assertThat(replayed(pfn, pages)).extracting(ReplayState.PfnReach::pid, ReplayState.PfnReach::vma,
                        ReplayState.PfnReach::mapping, ReplayState.PfnReach::firstPgoff, ReplayState.PfnReach::firstPfn,
                        ReplayState.PfnReach::pages, ReplayState.PfnReach::present)
                .containsExactlyElementsOf(live(pfn, pages).stream().map(h -> org.assertj.core.groups.Tuple.tuple(h.pid(), h.vma(),
                        h.mapping(), h.firstPgoff(), h.firstPfn(), h.pages(), h.present())).toList());
    }
}
