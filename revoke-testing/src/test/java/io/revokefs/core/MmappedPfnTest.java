package io.revokefs.core;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.testing.Sim;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Mmapped}'s optional {@code pfn}: the physical page behind the VMA's first page when the
 * mapping says what it installs ({@code AddressSpace.pfnMapping}), absent otherwise; replay answers
 * "who maps this physical page" from it. Found by mutation testing (issue 18 point 12): the
 * condition negated, which writes the no-PFN marker as a PFN and drops the real one, passed every
 * test of revoke-core and revoke-testing (only the adapters' mappings say what they install).
 */
class MmappedPfnTest {

    private static RevokeEvent.Mmapped mmapped(Sim sim, Vma v) {
        return sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event)
                .filter(e -> e instanceof RevokeEvent.Mmapped m && m.vma().equals(v.id()))
                .map(RevokeEvent.Mmapped.class::cast).findFirst().orElseThrow();
    }

    @Test
    void anMmapOfAMappingThatDoesNotSayWhatItInstallsRecordsNoPfn() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 2, 3);
        assertThat(sim.object().mapping().pfnMapping()).isNull();
        assertThat(mmapped(sim, v).pfn()).isNull();
    }

    @Test
    void anMmapOfAMappingThatSaysWhatItInstallsRecordsThePfnBehindItsFirstPage() {
        Sim sim = new Sim();
        sim.object().mapping().setPfnMapping(PfnMapping.builder((vma, pgoff) -> Sim.BASE_PFN + pgoff).build());
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 2, 3);
        assertThat(mmapped(sim, v).pfn()).as("page 3 of the device").isEqualTo(0x80003L);
        assertThat(mmapped(sim, v)).isEqualTo(new RevokeEvent.Mmapped(Sim.OBJECT, f.id(), v.id(), p.pid(), 3, 2,
                sim.object().mapping().id(), 0, 0x80003L));
    }
}
