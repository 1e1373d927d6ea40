package io.revokefs.core;

import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LockOrderTest {

    @BeforeEach
    void on() {
        LockOrder.setChecking(true);
        LockOrder.clearViolations();
    }

    @AfterEach
    void off() {
        LockOrder.clearViolations();
    }

    @Test
    void takingMmapLockUnderIMmapRwsemFailsNamingBothLocks() {
        Sim sim = new Sim();
        Process p = sim.root();
        var rwsem = sim.object().mapping().iMmapRwsem();
        rwsem.readLock();
        try {
            assertThatThrownBy(() -> p.mm().mmapLock().readLock())
                    .isInstanceOf(LockOrder.LockOrderViolation.class)
                    .hasMessageContaining("mmap_lock(pid " + p.pid() + ")")
                    .hasMessageContaining("i_mmap_rwsem(" + sim.object().mapping().id() + ")");
        } finally {
            rwsem.readUnlock();
        }
        assertThat(LockOrder.violations()).hasSize(1);
        assertThat(LockOrder.heldByCurrentThread()).isEmpty();
    }

    @Test
    void theWholeLifecycleTakesLocksInOrder() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        p.load(Sim.page(v, 0));
        p.munmap(Sim.page(v, 1), 1);
        Process c = p.fork();
        Vma moved = p.mm().vmas().get(1);
        p.mremap(moved.start(), moved.pages(), moved.pages(), true);
        sim.object().revoke("test");
        c.exit();
        p.exit();
        assertThat(LockOrder.violations()).isEmpty();
    }
}
