package io.revokefs.core;

import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmOperations;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every wrapped operation leaves the object's guards as it found them: each enter has its exit, on
 * every path, and the self-removal path takes back the reference it gave up. A lost exit would make
 * the next revoke's drain wait forever; an extra one would let a drain return with an operation still
 * in flight (G2). Found by mutation testing (issue 18 point 12): removing a write's exit, or the
 * {@code unbreakProtection} of {@code withProtectionBroken}, passed every other test.
 */
class GuardBalanceTest {

    private static void assertBalanced(Sim sim, String after) {
        assertThat(sim.object().ops.inFlight()).as("ops guard after %s", after).isZero();
        assertThat(sim.object().entries.inFlight()).as("entries guard after %s", after).isZero();
    }

    @Test
    void everyFileOperationLeavesTheGuardsBalanced() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        OpenFile kept = sim.open(p);
        assertBalanced(sim, "open");
        assertThat(p.read(f, 4).isOk()).isTrue();
        assertBalanced(sim, "read");
        assertThat(p.write(f, new byte[] {1}).isOk()).isTrue();
        assertBalanced(sim, "write");
        p.poll(f);
        assertBalanced(sim, "poll");
        p.ioctl(f, 1, 0);
        assertBalanced(sim, "ioctl");
        p.llseek(f, 0, 0);
        assertBalanced(sim, "llseek");
        Vma v = sim.mmap(p, f, 2, 0);
        assertBalanced(sim, "mmap");
        assertThat(p.load(Sim.page(v, 1)).isOk()).isTrue();
        assertBalanced(sim, "fault");
        p.close(f);
        assertBalanced(sim, "close");
        // And the same after revoke, on the refusing paths.
        sim.object().revoke("test");
        assertThat(p.read(kept, 4).isOk()).isFalse();
        assertThat(p.write(kept, new byte[] {1}).isOk()).isFalse();
        p.poll(kept);
        p.ioctl(kept, 1, 0);
        p.llseek(kept, 0, 0);
        assertThat(p.mmap(kept, 1, 0, true).isOk()).isFalse();
        assertThat(p.load(Sim.page(v, 0)).isOk()).isFalse();
        assertBalanced(sim, "the refused operations");
    }

    @Test
    void aWriteAfterWhichRevokeStillDrains() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        p.write(f, new byte[] {1, 2});
        // With a write that kept its reference, this drain would never return: fail instead of hanging.
        RevocableObject.RevokeOutcome o = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> sim.object().revoke("test"));
        assertThat(o.waited()).isZero();
        assertThat(sim.object().isRevoked()).isTrue();
    }

    @Test
    void selfRemovalTakesBackTheReferenceItGaveUp() {
        Sim sim = new Sim();
        // An operation of the object (R07: a remove attribute's store) revokes its own object.
        int t = sim.object().ops.tryEnter();
        assertThat(t).isNotNegative();
        RevocableObject.RevokeOutcome o = sim.object().withProtectionBroken(() -> sim.object().revoke("self"));
        assertThat(o.first()).isTrue();
        assertThat(sim.object().ops.inFlight()).as("the operation holds its reference again").isEqualTo(1);
        sim.object().ops.exit(t);
        assertThat(sim.object().ops.inFlight()).isZero();
    }

    @Test
    void forkAndSplitCallTheDriversVmOpenOnEachNewVma() {
        Sim sim = new Sim();
        List<String> opened = new ArrayList<>();
        sim.driver().setVmOps(new VmOperations() {
            @Override
            public void open(Vma vma) {
                opened.add(vma.mm().owner().pid() + ":" + (vma.forkOrigin() == null ? vma.id() : "copy of " + vma.forkOrigin())
                        + "@" + vma.pgoff());
            }
        });
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        assertThat(opened).isEmpty(); // the first mmap gets ->mmap, not ->open
        Process child = p.fork();
        assertThat(opened).containsExactly(child.pid() + ":copy of " + v.id() + "@0");
        // Unmapping page 1 of [0,4) splits twice, as do_vmi_align_munmap does: at 1 and at 2. Each
        // __split_vma calls new->vm_ops->open(new) on the upper piece it makes: [1,4), then [2,4).
        assertThat(p.munmap(Sim.page(v, 1), 1).isOk()).isTrue();
        assertThat(opened).containsExactly(child.pid() + ":copy of " + v.id() + "@0",
                p.pid() + ":" + v.id() + "@1", p.pid() + ":" + v.id() + "@2");
        assertBalanced(sim, "fork and split");
        sim.object().revoke("test");
        int before = opened.size();
        p.fork();
        assertThat(opened).as("kernfs_vma_open: nothing reaches the driver once revoked").hasSize(before);
    }
}
