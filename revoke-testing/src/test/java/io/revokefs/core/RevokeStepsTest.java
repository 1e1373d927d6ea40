package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The five steps of revoke (docs/semantics.md section 3), their effects and their events. */
class RevokeStepsTest {

    @Test
    void revokeRecordsItsStepsInOrderAfterTheLifeBeforeIt() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 2, 0);
        assertThat(p.load(Sim.page(v, 1)).isOk()).isTrue();

        RevocableObject.RevokeOutcome o = sim.object().revoke("hot-unplug");

        assertThat(sim.typesOf(Sim.OBJECT)).containsExactly("ObjectRegistered", "FileOpened", "Mmapped", "Faulted",
                "RevokeStarted", "RevokeDrained", "MappingsZapped", "FileReleased", "RevokeCompleted");
        List<RevokeEvent> events = sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event).toList();
        assertThat(events.get(3)).isEqualTo(new RevokeEvent.Faulted(Sim.OBJECT, v.id(), 1));
        assertThat(events.get(4)).isEqualTo(new RevokeEvent.RevokeStarted(Sim.OBJECT, "hot-unplug"));
        assertThat(events.get(6)).isEqualTo(new RevokeEvent.MappingsZapped(Sim.OBJECT, 1, 1, sim.object().mapping().id(), 0, Long.MAX_VALUE));
        assertThat(events.get(7)).isEqualTo(new RevokeEvent.FileReleased(Sim.OBJECT, f.id(), ReleaseCause.REVOKE));
        assertThat(o).isEqualTo(new RevocableObject.RevokeOutcome(0, 1, 1, 1, true));
    }

    @Test
    void seqIsContiguousFromOne() {
        Sim sim = new Sim();
        Process p = sim.root();
        sim.open(p);
        sim.object().revoke("test");
        List<RecordedEvent> all = sim.log().events();
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).seq()).isEqualTo(i + 1L);
        }
    }

    @Test
    void zapLeavesNoPteButKeepsEveryVma() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma a = sim.mmap(p, f, 4, 0);
        Vma b = sim.mmap(p, f, 4, 4);
        for (int i = 0; i < 4; i++) {
            p.load(Sim.page(a, i));
            p.load(Sim.page(b, i));
        }
        assertThat(p.mm().pageTable().present()).isEqualTo(8);
        RevocableObject.RevokeOutcome o = sim.object().revoke("test");
        assertThat(o.vmas()).isEqualTo(2);
        assertThat(o.ptes()).isEqualTo(8);
        assertThat(p.mm().pageTable().present()).isZero();
        assertThat(p.mm().vmas()).containsExactly(a, b);
    }

    @Test
    void revokeReleasesEveryOpenFileOnceAndTurnsFasyncOff() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f1 = sim.open(p);
        OpenFile f2 = sim.open(p);
        f1.setFasync(true);
        RevocableObject.RevokeOutcome o = sim.object().revoke("test");
        assertThat(o.released()).isEqualTo(2);
        assertThat(sim.driver().releasesOf(f1)).isEqualTo(1);
        assertThat(sim.driver().releasesOf(f2)).isEqualTo(1);
        assertThat(f1.fasync()).isFalse();
    }

    @Test
    void aClosedFileIsNotReleasedAgainByRevoke() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        p.close(f);
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        RevocableObject.RevokeOutcome o = sim.object().revoke("test");
        assertThat(o.released()).isZero();
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event).filter(e -> e instanceof RevokeEvent.FileReleased))
                .containsExactly(new RevokeEvent.FileReleased(Sim.OBJECT, f.id(), ReleaseCause.CLOSE));
    }

    @Test
    void closeKeepsTheFileAliveWhileAMappingHoldsIt() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 1, 0);
        p.close(f);
        assertThat(sim.driver().releasesOf(f)).isZero();
        assertThat(p.load(Sim.page(v, 0)).isOk()).isTrue();
        p.munmap(v.start(), 1);
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(sim.typesOf(Sim.OBJECT)).endsWith("VmaUnmapped", "FileReleased", "FileClosed");
    }

    @Test
    void blockedReadersAreWokenSoTheDrainEnds() throws Exception {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        var result = new java.util.concurrent.atomic.AtomicReference<Result<byte[]>>();
        sim.driver().setBlockingReads(true);
        var gate = new io.revokefs.core.testing.TestDriver.Gate();
        sim.driver().setReadGate(gate);
        Thread reader = new Thread(() -> result.set(p.read(f, 1)));
        reader.start();
        org.assertj.core.api.Assertions.assertThat(gate.awaitEntered(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        gate.open(); // the reader goes to sleep on the queue, inside the guard
        RevocableObject.RevokeOutcome o = sim.object().revoke("unregister");
        reader.join(5000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(o.waited()).isEqualTo(1);
        assertThat(result.get().errnoOrNull()).isEqualTo(Errno.EIO);
    }

    @Test
    void aStoreIsVisibleThroughAnotherMappingOfThePage() {
        Sim sim = new Sim();
        Process p = sim.root();
        Process q = sim.root();
        Vma a = sim.mmap(p, sim.open(p), 1, 3);
        Vma b = sim.mmap(q, sim.open(q), 1, 3);
        assertThat(p.store(Sim.page(a, 0), 42).isOk()).isTrue();
        assertThat(q.load(Sim.page(b, 0)).value()).isEqualTo(42);
    }
}
