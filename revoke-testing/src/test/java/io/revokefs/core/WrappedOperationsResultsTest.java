package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.PollBit;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wrapped operations hand back what the driver answered while the object lives, and each
 * refusal is the errno the adapter's table names with the event that says so. Found by mutation
 * testing (issue 18 point 12): replacing a live ioctl's or llseek's result, a poll's mask, or
 * dropping the event of a refused poll, a permission refusal, a driver's failed open or mmap or a
 * driver's own SIGBUS passed every other test.
 */
class WrappedOperationsResultsTest {

    private static RevokeEvent last(Sim sim) {
        List<RecordedEvent> events = sim.log().events();
        return events.get(events.size() - 1).event();
    }

    @Test
    void liveOperationsReturnWhatTheDriverAnswered() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        assertThat(p.ioctl(f, 1, 42).value()).as("TestDriver's ioctl 1 echoes its argument").isEqualTo(42L);
        assertThat(p.ioctl(f, 2, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
        assertThat(p.llseek(f, 7, 0).value()).isEqualTo(7L);
        assertThat(p.llseek(f, 3, 1).value()).as("SEEK_CUR from 7").isEqualTo(10L);
        assertThat(p.poll(f).value()).as("no interrupt yet").isEmpty();
        sim.driver().interrupt();
        assertThat(p.poll(f).value()).containsExactlyInAnyOrder(PollBit.POLLIN, PollBit.POLLRDNORM);
        assertThat(sim.object().fileOperations().hasMmap()).isTrue();
        assertThat(RevocableObject.of(f)).isSameAs(sim.object());
    }

    @Test
    void aRefusedPollIsRecordedWithTheTablesMask() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        sim.object().revoke("test");
        assertThat(p.poll(f).value()).isEqualTo(ErrnoTable.KERNFS.poll());
        assertThat(last(sim)).isEqualTo(new RevokeEvent.AccessRefused(Sim.OBJECT, "poll",
                PollBit.format(ErrnoTable.KERNFS.poll()), f.id(), null));
    }

    @Test
    void aPermissionRefusalIsEaccesRecordedAsOpenRefusedAndNeverReachesTheDriver() {
        Sim sim = new Sim();
        Process user = sim.kernel().newProcess(1000);
        assertThat(user.open(sim.inode(), true).errnoOrNull()).as("/dev/test0 is 0600 root").isEqualTo(Errno.EACCES);
        RevokeEvent refused = last(sim);
        assertThat(refused).isInstanceOf(RevokeEvent.OpenRefused.class);
        assertThat(((RevokeEvent.OpenRefused) refused).errno()).isEqualTo(Errno.EACCES);
        assertThat(sim.types()).doesNotContain("FileOpened");
        assertThat(sim.object().openFiles()).isEmpty();
        assertThat(sim.object().entries.inFlight()).as("refused before the guard").isZero();
    }

    @Test
    void aDriverWhoseOpenFailsGetsOpenRefusedWithItsErrnoAndNoFile() {
        Sim sim = new Sim();
        RevocableObject failing = RevocableObject.builder(sim.kernel(), "test:/dev/failing", "test")
                .operations(new FileOperations() {
                    @Override
                    public Result<Void> open(OpenFile file) {
                        return Result.err(Errno.ENODEV);
                    }

                    @Override
                    public boolean hasMmap() {
                        return false;
                    }
                }).errnos(ErrnoTable.KERNFS).register();
        Inode inode = sim.kernel().newInode("/dev/failing", 0600, 0, failing.fileOperations(), failing.mapping(), null);
        assertThat(sim.root().open(inode, false).errnoOrNull()).isEqualTo(Errno.ENODEV);
        RevokeEvent refused = last(sim);
        assertThat(refused).isInstanceOf(RevokeEvent.OpenRefused.class);
        assertThat(((RevokeEvent.OpenRefused) refused).errno()).isEqualTo(Errno.ENODEV);
        assertThat(failing.openFiles()).isEmpty();
        assertThat(failing.fileOperations().hasMmap()).isFalse();
        assertThat(failing.entries.inFlight()).isZero();
    }

    @Test
    void aDriverWhoseMmapFailsGetsMmapRefusedWithItsErrno() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        // 8 pages from page 12 of a 16-page device: TestDriver's mmap answers EINVAL.
        assertThat(p.mmap(f, 8, 12, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        RevokeEvent refused = last(sim);
        assertThat(refused).isInstanceOf(RevokeEvent.MmapRefused.class);
        assertThat(((RevokeEvent.MmapRefused) refused).errno()).isEqualTo(Errno.EINVAL);
        assertThat(((RevokeEvent.MmapRefused) refused).reason()).isEqualTo("the driver's mmap failed");
        assertThat(sim.object().entries.inFlight()).isZero();
    }

    @Test
    void withoutATableErrnoIoctlAndLlseekAreTheDriversEvenAfterRevoke() {
        // uio: no ioctl, and llseek is noop_llseek; neither is guarded (ErrnoTable.UIO).
        Sim sim = new Sim(ErrnoTable.UIO);
        Process p = sim.root();
        OpenFile f = sim.open(p);
        sim.object().revoke("test");
        assertThat(p.llseek(f, 5, 0).value()).isEqualTo(5L);
        assertThat(p.ioctl(f, 1, 9).value()).isEqualTo(9L);
        assertThat(sim.types()).doesNotContain("AccessRefused");
    }

    @Test
    void aFaultAfterRevokeAndTheDriversOwnRefusalAreEachOneAccessRefused() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 2, 0);
        sim.driver().setMemoryEnabled(false);
        MemoryAccess refused = p.load(Sim.page(v, 0));
        assertThat(refused.isOk()).isFalse();
        assertThat(last(sim)).as("the driver's own check refused the page").isEqualTo(new RevokeEvent.AccessRefused(
                Sim.OBJECT, "fault", Signal.SIGBUS.name(), null, v.id(), RevokeEvent.AccessRefused.DRIVER, null));
        sim.driver().setMemoryEnabled(true);
        sim.object().revoke("test");
        assertThat(p.load(Sim.page(v, 1)).isOk()).isFalse();
        assertThat(last(sim)).isEqualTo(new RevokeEvent.AccessRefused(Sim.OBJECT, "fault", Signal.SIGBUS.name(), null, v.id()));
    }

    @Test
    void aDriverWithoutVmCloseGetsNoVmaClosed() {
        Sim sim = new Sim(); // TestDriver's vm_ops has no ->close unless asked
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        p.fork();
        assertThat(p.munmap(Sim.page(v, 1), 1).isOk()).isTrue();
        sim.object().revoke("test");
        assertThat(sim.object().openPieces).as("no piece is owed a close").hasValue(0);
        assertThat(sim.types()).doesNotContain("VmaClosed");
        assertThat(sim.driver().totalVmCloses()).isZero();
    }
}
