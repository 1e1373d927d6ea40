package io.revokefs.core;

import io.revokefs.kernel.Signal;

import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** R23: a vfio-style disable (zap without revoke) and re-enable while processes hold VMAs. */
class DisableReenableTest {

    @BeforeEach
    void checkLockOrder() {
        LockOrder.setChecking(true);
        LockOrder.clearViolations();
    }

    @AfterEach
    void clear() {
        LockOrder.clearViolations();
    }

    @Test
    void R23_eagerMappingsAreRepopulatedInParentAndChildWithLocksInOrder() {
        Sim sim = new Sim();
        sim.driver().setPopulate(PfnMapping.Populate.AFTER_LINK);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        assertThat(p.mm().populatedPages(v)).isEqualTo(4);
        Process child = p.fork();
        Vma c = child.mm().vmas().get(0);

        sim.driver().setMemoryEnabled(false);
        assertThat(sim.object().zapMappings().ptes()).isEqualTo(8);
        assertThat(p.load(Sim.page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(child.load(Sim.page(c, 2)).signal()).isEqualTo(Signal.SIGBUS);

        sim.driver().setMemoryEnabled(true);
        int faults = sim.driver().faults();
        assertThat(sim.object().repopulateMappings()).isEqualTo(2);
        assertThat(p.mm().populatedPages(v)).isEqualTo(4);
        assertThat(child.mm().populatedPages(c)).isEqualTo(4);
        assertThat(p.load(Sim.page(v, 3)).isOk()).isTrue();
        assertThat(sim.driver().faults()).isEqualTo(faults); // served by the repopulated PTEs
        assertThat(LockOrder.violations()).isEmpty();
        // The log shows the zap outside a revoke and the repopulated pages as faults.
        assertThat(sim.typesOf(Sim.OBJECT)).doesNotContain("RevokeStarted");
        assertThat(sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event)
                .filter(e -> e instanceof RevokeEvent.Faulted ff && ff.vma().equals(c.id()))).hasSize(4);
    }

    @Test
    void R23_onFaultMappingsFaultBackInAfterReenable() {
        Sim sim = new Sim();
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 2, 0);
        assertThat(p.load(Sim.page(v, 0)).isOk()).isTrue();
        sim.driver().setMemoryEnabled(false);
        sim.object().zapMappings();
        assertThat(p.load(Sim.page(v, 0)).signal()).isEqualTo(Signal.SIGBUS);
        sim.driver().setMemoryEnabled(true);
        assertThat(sim.object().repopulateMappings()).isZero(); // on-fault: nothing to do eagerly
        assertThat(p.load(Sim.page(v, 0)).isOk()).isTrue();
    }

    @Test
    void R23_repopulateAfterRevokeDoesNothing() {
        Sim sim = new Sim();
        sim.driver().setPopulate(PfnMapping.Populate.AFTER_LINK);
        Process p = sim.root();
        Vma v = sim.mmap(p, sim.open(p), 2, 0);
        sim.object().revoke("test");
        assertThat(sim.object().repopulateMappings()).isZero();
        assertThat(p.mm().populatedPages(v)).isZero();
    }

    @Test
    void R23_theLockCheckCatchesARemapLoopThatTakesIMmapRwsemFirst() {
        Sim sim = new Sim();
        Process p = sim.root();
        sim.mmap(p, sim.open(p), 1, 0);
        var rwsem = sim.object().mapping().iMmapRwsem();
        // The naive loop: walk i_mmap under its lock and take each VMA's mmap_lock inside it.
        assertThatThrownBy(() -> {
            rwsem.readLock();
            try {
                for (Vma v : p.mm().vmas()) {
                    v.mm().mmapLock().readLock();
                    v.mm().mmapLock().readUnlock();
                }
            } finally {
                rwsem.readUnlock();
            }
        }).isInstanceOf(LockOrder.LockOrderViolation.class);
    }
}
