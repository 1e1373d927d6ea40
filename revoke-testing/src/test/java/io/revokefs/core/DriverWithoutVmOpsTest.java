package io.revokefs.core;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.MemPolicy;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmaFlag;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A driver whose {@code ->mmap} sets no {@code vm_ops}: {@code kernfs_fop_mmap} wraps it all the
 * same ({@code of->vm_ops = vma->vm_ops}, NULL, then {@code vma->vm_ops = &kernfs_vm_ops}), and each
 * of {@code kernfs_vm_ops} answers for a NULL {@code of->vm_ops} before it looks at the active
 * reference (fs/kernfs/file.c): {@code kernfs_vma_fault} and {@code kernfs_vma_page_mkwrite} SIGBUS,
 * {@code kernfs_vma_access} -EINVAL, {@code kernfs_vma_set_policy} 0, {@code kernfs_vma_get_policy}
 * {@code vma->vm_policy}, {@code kernfs_vma_open} nothing. Found by mutation testing (issue 18 point
 * 12): every one of these answers could be replaced (by null, or by a call into the missing
 * vm_ops) without a test failing, since every test driver sets vm_ops.
 */
class DriverWithoutVmOpsTest {
    private static final String OBJECT = "test:/dev/novmops0";

    /** mmap accepts and sets the flags of an {@code io_remap_pfn_range} mapping, but no vm_ops. */
    private static final class NoVmOpsDriver implements FileOperations {
        final AtomicInteger mmaps = new AtomicInteger();

        @Override
        public boolean hasMmap() {
            return true;
        }

        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            mmaps.incrementAndGet();
            vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO);
            return Result.ok();
        }
    }

    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final NoVmOpsDriver driver = new NoVmOpsDriver();
    private final RevocableObject object = RevocableObject.builder(kernel, OBJECT, "test").operations(driver)
            .errnos(ErrnoTable.KERNFS).register();
    private final Inode inode = kernel.newInode("/dev/novmops0", 0600, 0, object.fileOperations(), object.mapping(), null);
    private final Process p = kernel.newProcess(0);
    private final OpenFile file = p.open(inode, false).value();
    private final Vma vma = p.mmap(file, 4, 0, true).value();

    private List<RevokeEvent> events() {
        return log.eventsOf(OBJECT).stream().map(RecordedEvent::event).toList();
    }

    private List<String> types() {
        return log.eventsOf(OBJECT).stream().map(RecordedEvent::type).toList();
    }

    @Test
    void theMappingIsWrappedThoughTheDriverSetNoVmOps() {
        assertThat(driver.mmaps).hasValue(1);
        assertThat(vma.vmOps()).isInstanceOf(WrappedVmOperations.class);
        assertThat(((WrappedVmOperations) vma.vmOps()).driverVm).isNull();
        assertThat(p.mm().populatedPages(vma)).as("nothing to populate it").isZero();
    }

    @Test
    void aLoadOrStoreIsSigbusWithoutAFaultOrARefusalInTheLog() {
        // kernfs_vma_fault: !of->vm_ops -> VM_FAULT_SIGBUS; the object is live, so it is no revoke refusal.
        assertThat(p.load(Sim.page(vma, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.store(Sim.page(vma, 1), 5).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(types()).doesNotContain("Faulted", "AccessRefused");
        assertThat(object.entries.inFlight()).isZero();
    }

    @Test
    void pageMkwriteIsSigbusWithoutCallingAnything() {
        // kernfs_vma_page_mkwrite: !of->vm_ops -> VM_FAULT_SIGBUS. The simulated mm never reaches it
        // for such a mapping (nothing installs a PTE after vma_set_page_prot without a ->fault or
        // ->mapped), so the wrapper is called as do_page_mkwrite would call it.
        assertThat(vma.vmOps().pageMkwrite(new VmFault(vma, vma.start(), true))).isEqualTo(FaultResult.SIGBUS);
        assertThat(inode.timeUpdates()).as("no file_update_time either").isZero();
        assertThat(object.ops.inFlight()).isZero();
    }

    @Test
    void ptraceAccessIsEinvalFromTheOpAndEioAtTheSystemCall() {
        Process tracer = kernel.newProcess(0);
        // kernfs_vma_access: !of->vm_ops -> -EINVAL.
        assertThat(tracer.accessRemote(p, Sim.page(vma, 0), 0, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(tracer.ptracePeek(p, Sim.page(vma, 0)).errnoOrNull()).isEqualTo(Errno.EIO);
        assertThat(types()).doesNotContain("AccessRefused");
    }

    @Test
    void mbindSucceedsAndTheVmasOwnPolicyIsAnswered() {
        MemPolicy bind = new MemPolicy("MPOL_BIND", Set.of(0));
        // kernfs_vma_set_policy: !of->vm_ops -> 0, so vma_replace_policy stores it; get_policy: vma->vm_policy.
        assertThat(p.mbind(vma.start(), 4, bind).isOk()).isTrue();
        assertThat(p.getMempolicy(vma.start()).value()).isEqualTo(bind);
        assertThat(types()).doesNotContain("AccessRefused");
    }

    @Test
    void forkSplitAndMunmapGoAheadWithoutTheDriver() {
        Process child = p.fork();
        Vma copy = child.mm().vmas().get(0);
        assertThat(events()).contains(new RevokeEvent.VmaDuplicated(OBJECT, copy.id(), vma.id(), child.pid(), 0));
        // A split: the piece's ->open (kernfs_vma_open) has no driver open to call; may_split none either.
        assertThat(p.munmap(Sim.page(vma, 1), 1).isOk()).isTrue();
        assertThat(p.mm().vmas()).hasSize(2);
        assertThat(child.munmap(copy.start(), 4).isOk()).isTrue();
        assertThat(events()).contains(new RevokeEvent.VmaUnmapped(OBJECT, copy.id(), copy.pgoff(), 4));
        assertThat(types()).doesNotContain("AccessRefused", "VmaClosed");
        assertThat(object.ops.inFlight()).isZero();
    }

    @Test
    void aRevokeCompletesAndTheWrappedOpsKeepTheirNoVmOpsAnswers() {
        object.revoke("hot-unplug");
        assertThat(types()).containsSubsequence("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
        assertThat(p.load(Sim.page(vma, 0)).signal()).isEqualTo(Signal.SIGBUS);
        MemPolicy bind = new MemPolicy("MPOL_BIND", Set.of(0));
        // Without vm_ops kernfs answers before kernfs_get_active: set_policy 0 even after the removal.
        assertThat(p.mbind(vma.start(), 4, bind).isOk()).isTrue();
        assertThat(p.getMempolicy(vma.start()).value()).isEqualTo(bind);
    }
}
