package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.PollBit;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every row of docs/semantics.md section 4, for a test adapter with the kernfs column. */
class PostRevokeResultsTest {
    private Sim sim;
    private Process p;
    private OpenFile f;
    private Vma vma;

    @BeforeEach
    void revokedWithAnOpenFileAndAMapping() {
        sim = new Sim();
        p = sim.root();
        f = sim.open(p);
        vma = sim.mmap(p, f, 4, 0);
        assertThat(p.load(Sim.page(vma, 0)).isOk()).isTrue();
        sim.object().revoke("hot-unplug");
    }

    @Test
    void openIsRefusedWithTheAdaptersErrno() {
        assertThat(p.open(sim.inode(), false).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(sim.log().events().get(sim.log().size() - 1).event()).isInstanceOf(RevokeEvent.OpenRefused.class);
    }

    @Test
    void readAndWriteFail() {
        assertThat(p.read(f, 4).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(p.write(f, new byte[1]).errnoOrNull()).isEqualTo(Errno.ENODEV);
        RevokeEvent last = sim.log().events().get(sim.log().size() - 1).event();
        assertThat(last).isEqualTo(new RevokeEvent.AccessRefused(Sim.OBJECT, "write", "ENODEV", f.id(), null));
    }

    @Test
    void pollReturnsTheErrorMask() {
        assertThat(p.poll(f).value()).containsExactlyInAnyOrder(PollBit.POLLIN, PollBit.POLLOUT, PollBit.POLLRDNORM,
                PollBit.POLLWRNORM, PollBit.POLLERR, PollBit.POLLPRI);
    }

    @Test
    void ioctlAndLlseekFail() {
        assertThat(p.ioctl(f, 1, 7).errnoOrNull()).as("kernfs_file_fops has no unlocked_ioctl").isEqualTo(Errno.ENOTTY);
        assertThat(p.llseek(f, 0, 0).errnoOrNull()).isEqualTo(Errno.ENODEV);
    }

    @Test
    void mmapIsRefused() {
        assertThat(p.mmap(f, 1, 0, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
        RevokeEvent last = sim.log().events().get(sim.log().size() - 1).event();
        assertThat(last).isInstanceOfSatisfying(RevokeEvent.MmapRefused.class, r -> {
            assertThat(r.errno()).isEqualTo(Errno.ENODEV);
            assertThat(r.reason()).isEqualTo("revoked");
        });
        assertThat(p.mm().vmas()).containsExactly(vma);
    }

    @Test
    void closeDoesNotReleaseAgain() {
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(p.close(f).isOk()).isTrue();
        assertThat(p.munmap(vma.start(), 4).isOk()).isTrue();
        assertThat(sim.driver().releasesOf(f)).isEqualTo(1);
        assertThat(sim.log().events().stream().map(RecordedEvent::event).filter(e -> e instanceof RevokeEvent.FileReleased))
                .containsExactly(new RevokeEvent.FileReleased(Sim.OBJECT, f.id(), io.revokefs.core.event.ReleaseCause.REVOKE));
        assertThat(sim.typesOf(Sim.OBJECT)).endsWith("VmaUnmapped", "FileClosed");
    }

    @Test
    void faultRaisesSigbusAndTheVmaStays() {
        assertThat(p.load(Sim.page(vma, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.store(Sim.page(vma, 1), 5).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().vmas()).containsExactly(vma);
        assertThat(p.mm().populatedPages(vma)).isZero();
    }

    @Test
    void accessThroughPtraceIsEinval() {
        Process tracer = sim.root();
        assertThat(tracer.accessRemote(p, Sim.page(vma, 0), 0, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void vmOpenAtForkDoesNothingButTheChildIsRecorded() {
        Process child = p.fork();
        Vma copy = child.mm().vmas().get(0);
        assertThat(child.mm().populatedPages(copy)).isZero();
        assertThat(child.load(Sim.page(copy, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event))
                .contains(new RevokeEvent.VmaDuplicated(Sim.OBJECT, copy.id(), vma.id(), child.pid(), 0));
    }

    @Test
    void aDriverWithVmCloseIsRefusedAtMmapByAnAdapterThatAsksForKernfssRefusal() {
        Sim fresh = Sim.refusingVmClose();
        fresh.driver().setVmOps(new VmOperations() {
            @Override
            public boolean hasClose() {
                return true;
            }
        });
        Process q = fresh.root();
        OpenFile g = fresh.open(q);
        assertThat(q.mmap(g, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(q.mm().vmas()).isEmpty();
        RevokeEvent last = fresh.log().events().get(fresh.log().size() - 1).event();
        assertThat(last).isInstanceOfSatisfying(RevokeEvent.MmapRefused.class,
                r -> assertThat(r.reason()).contains("close"));
    }

    @Test
    void aDriverWithPageMkwriteIsAcceptedAtMmap() {
        // kernfs_fop_mmap refuses only ->close; kernfs_vm_ops wraps page_mkwrite (KernfsVmOperationsTest).
        Sim fresh = new Sim();
        fresh.driver().setVmOps(new VmOperations() {
            @Override
            public boolean hasPageMkwrite() {
                return true;
            }
        });
        Process q = fresh.root();
        OpenFile g = fresh.open(q);
        assertThat(q.mmap(g, 1, 0, true).isOk()).isTrue();
    }

    @Test
    void aSecondMmapOfOneFileWithDifferentVmOpsIsRefused() {
        Sim fresh = new Sim();
        Process q = fresh.root();
        OpenFile g = fresh.open(q);
        assertThat(q.mmap(g, 1, 0, true).isOk()).isTrue();
        fresh.driver().setVmOps(new VmOperations() {
        });
        assertThat(q.mmap(g, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void aFileWithoutMmapIsRefusedWithEnodev() {
        Sim fresh = new Sim();
        var obj = RevocableObject.builder(fresh.kernel(), "test:/nommap", "test")
                .operations(new io.revokefs.kernel.FileOperations() {
                }).errnos(ErrnoTable.KERNFS).register();
        var node = fresh.kernel().newInode("/nommap", 0600, 0, obj.fileOperations(), obj.mapping(), null);
        Process q = fresh.root();
        OpenFile g = q.open(node, false).value();
        assertThat(q.mmap(g, 1, 0, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
    }
}
