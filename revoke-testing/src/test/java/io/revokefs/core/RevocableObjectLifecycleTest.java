package io.revokefs.core;

import io.revokefs.kernel.WaitQueue;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The parts of {@link RevocableObject}'s and {@link ObjectBuilder}'s contract that adapters rely
 * on and that only the adapters' own tests exercised: found by mutation testing (issue 18 point 12)
 * as mutants that no core test killed. Each test names the behaviour; the events and counts it
 * checks are the object's promises (docs/semantics.md sections 3 and 9).
 */
class RevocableObjectLifecycleTest {

    @Test
    void theObjectNamesItsAdapterFilesAndReleases() {
        Sim sim = new Sim();
        assertThat(sim.object().adapter()).isEqualTo("test");
        assertThat(sim.log().events().get(0).event()).isEqualTo(new RevokeEvent.ObjectRegistered(Sim.OBJECT, "test"));
        assertThat(sim.object()).hasToString(Sim.OBJECT);
        Process p = sim.root();
        OpenFile closed = sim.open(p);
        OpenFile kept = sim.open(p);
        assertThat(sim.object().openFiles()).containsExactlyInAnyOrder(closed, kept);
        p.close(closed);
        assertThat(sim.object().openFiles()).containsExactly(kept);
        sim.object().revoke("test");
        assertThat(sim.object().releases()).isEqualTo(Map.of(closed.id(), ReleaseCause.CLOSE, kept.id(), ReleaseCause.REVOKE));
    }

    @Test
    void aWaitQueueMadeAfterRevokeIsAlreadyWoken() {
        Sim sim = new Sim();
        WaitQueue before = sim.object().newWaitQueue("before");
        assertThat(before.isKilled()).isFalse();
        sim.object().revoke("test");
        assertThat(before.isKilled()).as("revoke kills the object's queues").isTrue();
        WaitQueue after = sim.object().newWaitQueue("after");
        assertThat(after.isKilled()).isTrue();
        assertThat(after.waitEvent(() -> false)).as("a sleeper returns at once, as from a killed queue").isFalse();
    }

    @Test
    void recordIfLiveRecordsOnlyWhileTheObjectLivesAndOnlyItsOwnEvents() {
        Sim sim = new Sim();
        RevokeEvent off = new RevokeEvent.MemoryToggled(Sim.OBJECT, RevokeEvent.MemoryToggled.OFF, "test");
        assertThat(sim.object().recordIfLive(off)).isTrue();
        assertThat(sim.log().events().get(sim.log().size() - 1).event()).isEqualTo(off);
        assertThat(sim.object().entries.inFlight()).isZero();
        assertThatThrownBy(() -> sim.object().recordIfLive(new RevokeEvent.MemoryToggled("other", RevokeEvent.MemoryToggled.OFF, "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event of other recorded by " + Sim.OBJECT);
        sim.object().revoke("test");
        int size = sim.log().size();
        assertThat(sim.object().recordIfLive(off)).isFalse();
        assertThat(sim.log().size()).as("nothing recorded once revoked").isEqualTo(size);
    }

    @Test
    void aDisableZapsInsideTheGuardAndDoesNothingOnceRevoked() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 2, 0);
        assertThat(p.load(Sim.page(v, 0)).isOk()).isTrue();
        AddressSpace.ZapCount z = sim.object().zapMappings();
        assertThat(z).isEqualTo(new AddressSpace.ZapCount(1, 1));
        assertThat(sim.object().entries.inFlight()).as("the zap left the entries guard").isZero();
        sim.object().revoke("test");
        int size = sim.log().size();
        assertThat(sim.object().zapMappings()).isEqualTo(new AddressSpace.ZapCount(0, 0));
        assertThat(sim.log().size()).isEqualTo(size);
    }

    @Test
    void aFaultRecordsOnlyThePageItPopulated() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 4, 0);
        assertThat(p.load(Sim.page(v, 1)).isOk()).isTrue();
        assertThat(p.load(Sim.page(v, 0)).isOk()).isTrue(); // page 1 still has its PTE
        assertThat(sim.log().events()).extracting(e -> e.event()).filteredOn(RevokeEvent.Faulted.class::isInstance)
                .containsExactly(new RevokeEvent.Faulted(Sim.OBJECT, v.id(), 1, null), new RevokeEvent.Faulted(Sim.OBJECT, v.id(), 0, null));
    }

    @Test
    void anObjectWithNothingToZapStillRecordsItsZapStep() {
        Sim sim = new Sim();
        AddressSpace own = sim.kernel().newAddressSpace("own");
        RevocableObject o = RevocableObject.builder(sim.kernel(), "test:/dev/empty", "test")
                .operations(new TestDriver(Sim.BASE_PFN, 1)).errnos(ErrnoTable.KERNFS)
                .mapping(own).zapRanges(List::of).register();
        assertThat(o.mapping()).isSameAs(own);
        RevocableObject.RevokeOutcome out = o.revoke("test");
        assertThat(out.vmas()).isZero();
        assertThat(sim.log().eventsOf("test:/dev/empty")).extracting(e -> e.event())
                .contains(new RevokeEvent.MappingsZapped("test:/dev/empty", 0, 0, "own", 0, 0));
    }

    @Test
    void aZapRangeNotYetKnownIsAnEmptyZapAndAKnownOneIsZapped() {
        Sim sim = new Sim();
        AddressSpace[] range = {null};
        RevocableObject o = RevocableObject.builder(sim.kernel(), "test:/dev/late", "test")
                .operations(new TestDriver(Sim.BASE_PFN, 1)).errnos(ErrnoTable.KERNFS)
                .zapRange(() -> range[0] == null ? null : new RevocableObject.ZapRange(range[0], 2, 3)).register();
        range[0] = o.mapping();
        o.revoke("test");
        assertThat(sim.log().eventsOf("test:/dev/late")).extracting(e -> e.event())
                .contains(new RevokeEvent.MappingsZapped("test:/dev/late", 0, 0, o.mapping().id(), 2, 3));
        RevocableObject unknown = RevocableObject.builder(sim.kernel(), "test:/dev/unknown", "test")
                .operations(new TestDriver(Sim.BASE_PFN, 1)).errnos(ErrnoTable.KERNFS).zapRange(() -> null).register();
        unknown.revoke("test");
        assertThat(sim.log().eventsOf("test:/dev/unknown")).extracting(e -> e.event())
                .contains(new RevokeEvent.MappingsZapped("test:/dev/unknown", 0, 0, unknown.mapping().id(), 0, 0));
    }

    @Test
    void aZapRangeStartsAtZeroAtTheLeastAndMayBeEmpty() {
        AddressSpace m = new Sim().object().mapping();
        assertThat(new RevocableObject.ZapRange(m, 0, 0).count()).isZero();
        assertThatThrownBy(() -> new RevocableObject.ZapRange(m, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RevocableObject.ZapRange(m, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCloseStepClosesEachOwedPieceOnceAndCountsThem() {
        Sim sim = new Sim();
        sim.driver().setVmClose(true);
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 4, 0);
        p.fork(); // the child's copy reached ->open: owed a close
        assertThat(p.munmap(Sim.page(v, 1), 1).isOk()).isTrue(); // the unmapped piece is closed now
        assertThat(sim.driver().totalVmCloses()).isEqualTo(1);
        int owed = sim.object().openPieces.get();
        assertThat(owed).as("[0,1) and [2,4) in the parent, [0,4) in the child").isEqualTo(3);
        List<RevocableObject.ZapRange> all = List.of(new RevocableObject.ZapRange(sim.object().mapping(), 0, Long.MAX_VALUE));
        assertThat(VmCloseStep.run(sim.object(), all)).isEqualTo(3);
        assertThat(sim.driver().totalVmCloses()).isEqualTo(4);
        assertThat(sim.driver().closedMoreThanOnce()).isEmpty();
        assertThat(sim.object().openPieces).hasValue(0);
        assertThat(sim.log().events()).extracting(e -> e.event()).filteredOn(RevokeEvent.VmaClosed.class::isInstance)
                .extracting(e -> ((RevokeEvent.VmaClosed) e).cause())
                .containsExactly(RevokeEvent.VmaClosed.Cause.UNMAP, RevokeEvent.VmaClosed.Cause.REVOKE,
                        RevokeEvent.VmaClosed.Cause.REVOKE, RevokeEvent.VmaClosed.Cause.REVOKE);
        assertThat(VmCloseStep.run(sim.object(), all)).as("nothing is owed any more").isZero();
        assertThat(sim.driver().totalVmCloses()).isEqualTo(4);
    }

    @Test
    void aRevokedObjectsInodeRefusesOpenWithTheTablesErrno() {
        Sim sim = new Sim(ErrnoTable.PROCFS);
        Inode inode = sim.inode();
        sim.object().revoke("test");
        assertThat(sim.root().open(inode, false).errnoOrNull()).isEqualTo(ErrnoTable.PROCFS.open());
    }
}
