package io.revokefs.core;

import io.revokefs.kernel.Errno;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.VmaClosed;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/semantics.md section 9 with a driver whose vm_ops has {@code ->close} (the test driver's counting
 * close): one close per piece that reached the driver, at unmap or at revoke, never twice, never
 * after revoke; the close step takes its locks in the kernel's order. The races themselves are
 * explored in revoke-explore ({@code VmCloseExploreTest}); these are the orderings one by one.
 */
class VmCloseTest {
    private Sim sim;
    private Process p;

    @BeforeEach
    void setUp() {
        LockOrder.setChecking(true);
        LockOrder.clearViolations();
        sim = new Sim();
        sim.driver().setVmClose(true);
        p = sim.root();
    }

    @AfterEach
    void tearDown() {
        assertThat(LockOrder.violations()).isEmpty();
        LockOrder.setChecking(false);
    }

    private List<VmaClosed> closes() {
        return sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event)
                .filter(VmaClosed.class::isInstance).map(VmaClosed.class::cast).toList();
    }

    @Test
    void aDriverWithVmCloseIsAcceptedAndItsCloseRunsOnceAtMunmap() {
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 2, 0);
        assertThat(p.munmap(v.start(), 2).isOk()).isTrue();
        assertThat(sim.driver().vmClosesOf(v)).isEqualTo(1);
        sim.object().revoke("test");
        assertThat(sim.driver().totalVmCloses()).as("revoke finds nothing owed").isEqualTo(1);
        assertThat(closes()).containsExactly(new VmaClosed(Sim.OBJECT, v.id(), 0, 2, VmaClosed.Cause.UNMAP));
    }

    @Test
    void revokeClosesEveryPieceStillMappedOnceAndALaterMunmapClosesNothing() {
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        assertThat(p.munmap(v.start() + Kernel.PAGE_SIZE, 1).isOk()).isTrue(); // pieces [0], [2,3]; [1] closed
        Process child = p.fork(); // copies of both pieces, each with ->open
        assertThat(sim.driver().totalVmCloses()).isEqualTo(1);

        sim.object().revoke("test");

        List<Vma> pieces = new java.util.ArrayList<>(p.mm().vmas());
        pieces.addAll(child.mm().vmas());
        assertThat(pieces).hasSize(4);
        for (Vma piece : pieces) {
            assertThat(sim.driver().vmClosesOf(piece)).as("closes of %s", piece).isEqualTo(1);
        }
        assertThat(sim.driver().totalVmCloses()).isEqualTo(1 + sim.driver().vmOpens());
        assertThat(closes()).filteredOn(c -> c.cause() == VmaClosed.Cause.REVOKE).hasSize(4);
        // The close step comes after the zap and before the releases.
        List<String> types = sim.typesOf(Sim.OBJECT);
        assertThat(types.lastIndexOf("VmaClosed")).isBetween(types.indexOf("MappingsZapped"), types.indexOf("FileReleased"));

        p.munmap(pieces.get(0).start(), 1);
        child.exit();
        p.exit();
        assertThat(sim.driver().closedMoreThanOnce()).isEmpty();
        assertThat(sim.driver().totalVmCloses()).isEqualTo(5);
    }

    @Test
    void R10_partialMunmapThenRevokeZapsAndClosesBothRemainingPiecesOnce() {
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        for (int i = 0; i < 4; i++) {
            p.load(Sim.page(v, i));
        }
        assertThat(p.munmap(v.start() + Kernel.PAGE_SIZE, 1).isOk()).isTrue();
        RevocableObject.RevokeOutcome o = sim.object().revoke("test");
        assertThat(o.vmas()).isEqualTo(2);
        assertThat(p.mm().pageTable().present()).isZero();
        assertThat(p.mm().vmas()).allSatisfy(piece -> assertThat(sim.driver().vmClosesOf(piece)).isEqualTo(1));
        assertThat(sim.driver().totalVmCloses()).isEqualTo(3);
    }

    @Test
    void R24_exitBeforeRevokeClosesAtExitAndRevokeClosesNothing() {
        OpenFile f = sim.open(p);
        sim.mmap(p, f, 2, 0);
        p.exit();
        assertThat(sim.driver().totalVmCloses()).isEqualTo(1);
        sim.object().revoke("test");
        assertThat(sim.driver().totalVmCloses()).isEqualTo(1);
        assertThat(closes()).extracting(VmaClosed::cause).containsExactly(VmaClosed.Cause.UNMAP);
    }

    @Test
    void aForkAfterRevokeMakesCopiesThatNeverReachTheDriverAndAreNeverClosed() {
        OpenFile f = sim.open(p);
        sim.mmap(p, f, 2, 0);
        sim.object().revoke("test");
        int opens = sim.driver().vmOpens();
        Process child = p.fork();
        child.exit();
        p.exit();
        assertThat(sim.driver().vmOpens()).isEqualTo(opens);
        assertThat(sim.driver().totalVmCloses()).isEqualTo(1);
    }

    @Test
    void aDriverWithoutCloseRecordsNoVmaClosedAndTheCloseStepWalksNothing() {
        Sim plain = new Sim();
        Process q = plain.root();
        OpenFile f = plain.open(q);
        plain.mmap(q, f, 2, 0);
        plain.object().revoke("test");
        q.exit();
        assertThat(plain.typesOf(Sim.OBJECT)).doesNotContain("VmaClosed");
        assertThat(plain.driver().totalVmCloses()).isZero();
    }

    @Test
    void anAdapterThatRefusesVmCloseGetsEinvalAtMmapAsKernfs() {
        Kernel kernel = sim.kernel();
        kernel.physicalMemory().addMmio(Sim.BASE_PFN + 0x100, 4, "refusing");
        io.revokefs.core.testing.TestDriver d = new io.revokefs.core.testing.TestDriver(Sim.BASE_PFN + 0x100, 4);
        d.setVmClose(true);
        RevocableObject o = RevocableObject.builder(kernel, "test:/dev/refusing", "test").operations(d)
                .errnos(ErrnoTable.KERNFS).refuseVmClose().register();
        d.attach(o);
        var inode = kernel.newInode("/dev/refusing", 0600, 0, o.fileOperations(), o.mapping(), null);
        OpenFile f = p.open(inode, false).value();
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(sim.log().eventsOf("test:/dev/refusing").stream().map(RecordedEvent::event)
                .filter(RevokeEvent.MmapRefused.class::isInstance).map(e -> ((RevokeEvent.MmapRefused) e).reason()))
                .singleElement().asString().contains("close");
    }
}
