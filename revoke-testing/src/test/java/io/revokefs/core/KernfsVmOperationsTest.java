package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.FaultResult;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.MemPolicy;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmaFlag;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.testing.Async;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every vm operation {@code kernfs_vm_ops} has, wrapped with kernfs's answers (fs/kernfs/file.c),
 * the write-protect fault of mm/memory.c that reaches {@code ->page_mkwrite}, the ptrace and
 * /proc/pid/mem errnos at the system call, and the registry's one-live-object-per-id rule
 * (issue 13 points 1, 2, 4 and 8).
 */
class KernfsVmOperationsTest {
    private static final long TIMEOUT_S = 10;
    private static final long RAM_PFN = 0x2000;
    private static final long PAGES = 8;

    /**
     * A driver mapping RAM with {@code vm_insert_mixed} (VM_MIXEDMAP): its pages have a struct page, so
     * a store to a read-only PTE goes through {@code wp_page_shared} and {@code ->page_mkwrite}.
     */
    private static final class RamDevice implements FileOperations {
        final AtomicInteger mkwrites = new AtomicInteger();
        final List<Boolean> mkwriteFlags = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger setPolicies = new AtomicInteger();
        final AtomicInteger maySplits = new AtomicInteger();
        final AtomicInteger mremaps = new AtomicInteger();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger faults = new AtomicInteger();
        volatile boolean withPageMkwrite = true;
        volatile boolean pfnmap;
        static final MemPolicy DRIVER_POLICY = new MemPolicy("MPOL_PREFERRED", Set.of(1));

        final VmOperations vmOps = new VmOperations() {
            @Override
            public void open(Vma vma) {
                opens.incrementAndGet();
            }

            @Override
            public FaultResult fault(VmFault vmf) {
                faults.incrementAndGet();
                return vmf.insertPfn(RAM_PFN + vmf.pgoff());
            }

            @Override
            public boolean hasPageMkwrite() {
                return withPageMkwrite;
            }

            @Override
            public FaultResult pageMkwrite(VmFault vmf) {
                mkwrites.incrementAndGet();
                mkwriteFlags.add(vmf.write());
                return FaultResult.OK;
            }

            @Override
            public Result<Void> setPolicy(Vma vma, MemPolicy policy) {
                setPolicies.incrementAndGet();
                return Result.ok();
            }

            @Override
            public MemPolicy getPolicy(Vma vma, long addr) {
                return DRIVER_POLICY;
            }

            @Override
            public Result<Void> maySplit(Vma vma, long addr) {
                maySplits.incrementAndGet();
                return Result.err(Errno.EINVAL);
            }

            @Override
            public Result<Void> mremap(Vma vma) {
                mremaps.incrementAndGet();
                return Result.ok();
            }
        };

        @Override
        public boolean hasMmap() {
            return true;
        }

        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            vma.addFlags(pfnmap ? VmaFlag.PFNMAP : VmaFlag.MIXEDMAP);
            vma.setVmOps(vmOps);
            return Result.ok();
        }
    }

    /** One RAM device registered as a revocable object, one process mapping it shared and writable. */
    private static final class World {
        final InMemoryEventLog log = new InMemoryEventLog();
        final Kernel kernel = new Kernel(log);
        final RamDevice device = new RamDevice();
        final RevocableObject object;
        final Inode inode;
        final Process p;
        OpenFile file;

        World(boolean pfnmap, boolean withPageMkwrite) {
            device.pfnmap = pfnmap;
            device.withPageMkwrite = withPageMkwrite;
            kernel.physicalMemory().addRam(RAM_PFN, PAGES);
            object = RevocableObject.builder(kernel, "test:/dev/ram0", "test").operations(device)
                    .errnos(ErrnoTable.KERNFS).register();
            inode = kernel.newInode("/dev/ram0", 0600, 0, object.fileOperations(), object.mapping(), null);
            p = kernel.newProcess(0);
            file = p.open(inode, false).value();
        }

        World() {
            this(false, true);
        }

        Vma map(long pages) {
            return p.mmap(file, pages, 0, true).value();
        }

        List<RevokeEvent> events() {
            return log.eventsOf(object.id()).stream().map(RecordedEvent::event).toList();
        }
    }

    /** Holds the one thread it controls at the first point labelled {@code label} until released. */
    private static final class PauseAtLabel implements Interleave.Scheduler {
        private final String label;
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch resume = new CountDownLatch(1);
        private volatile Thread thread;
        private final AtomicInteger fired = new AtomicInteger();

        PauseAtLabel(String label) {
            this.label = label;
        }

        <T> CompletableFuture<T> run(Supplier<T> body) {
            CompletableFuture<T> started = new CompletableFuture<>();
            Interleave.install(this);
            CompletableFuture<T> f = Async.supply(() -> {
                thread = Thread.currentThread();
                started.complete(null);
                return body.get();
            });
            started.join();
            return f;
        }

        void awaitPaused() throws InterruptedException {
            assertThat(paused.await(TIMEOUT_S, TimeUnit.SECONDS)).as("the thread reached " + label).isTrue();
        }

        void release() {
            resume.countDown();
            Interleave.uninstall();
        }

        @Override
        public void point(String l) {
            if (l.startsWith(label) && fired.getAndIncrement() == 0) {
                paused.countDown();
                try {
                    resume.await(TIMEOUT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void await(String l, BooleanSupplier condition) {
            while (!condition.getAsBoolean()) {
                Thread.onSpinWait();
            }
        }

        @Override
        public boolean controls(Thread t) {
            return t == thread;
        }
    }

    // ---------------------------------------------------------------- page_mkwrite

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void forkCopiesThePtesOfAPfnmapAndOfAMixedmapVmaAsVmaNeedsCopySays(boolean pfnmap) {
        // copy_page_range copies a VMA's page table only when vma_needs_copy says so: VM_PFNMAP or
        // VM_MIXEDMAP (or an anon_vma); the child then reaches the pages without a fault.
        World w = new World(pfnmap, true);
        Vma v = w.map(2);
        assertThat(w.p.load(Sim.page(v, 0)).isOk()).isTrue();
        assertThat(w.p.load(Sim.page(v, 1)).isOk()).isTrue();
        int faults = w.device.faults.get();
        Process child = w.p.fork();
        Vma copy = child.mm().vmas().get(0);
        assertThat(child.mm().populatedPages(copy)).as(pfnmap ? "VM_PFNMAP" : "VM_MIXEDMAP").isEqualTo(2);
        assertThat(child.load(Sim.page(copy, 1)).isOk()).isTrue();
        assertThat(w.device.faults.get()).as("the child's load took the copied PTE").isEqualTo(faults);
    }

    @Test
    void pageMkwriteRunsOnceForTheFirstStoreToAReadPopulatedSharedPage() {
        World w = new World();
        Vma v = w.map(2);
        assertThat(w.p.load(Sim.page(v, 0)).isOk()).as("the read fault installs a read-only PTE").isTrue();
        assertThat(w.device.mkwrites).hasValue(0);

        assertThat(w.p.store(Sim.page(v, 0), 42).isOk()).isTrue();
        assertThat(w.device.mkwrites).as("do_wp_page -> wp_page_shared -> page_mkwrite").hasValue(1);
        assertThat(w.device.mkwriteFlags).as("vmf->flags carries FAULT_FLAG_WRITE").containsExactly(true);

        assertThat(w.p.store(Sim.page(v, 0), 43).isOk()).isTrue();
        assertThat(w.device.mkwrites).as("the PTE is writable now: no second write-protect fault").hasValue(1);
        assertThat(w.p.load(Sim.page(v, 0)).value()).isEqualTo(43);
    }

    @Test
    void pageMkwriteFirstStoreToAnEmptyPageFaultsInReadOnlyThenTakesTheWriteProtectFault() {
        World w = new World();
        Vma v = w.map(2);
        assertThat(w.p.store(Sim.page(v, 1), 7).isOk()).isTrue();
        // vmf_insert_mixed installs with vm_page_prot, read-only under write-notify; the retried store
        // then write-faults on it (do_shared_fault calls page_mkwrite only for a fault returning a page).
        assertThat(w.device.mkwrites).hasValue(1);
    }

    @Test
    void pageMkwriteWithoutADriverHandlerUpdatesTheFileTime() {
        World w = new World(false, false);
        Vma v = w.map(1);
        w.p.load(Sim.page(v, 0));
        assertThat(w.inode.timeUpdates()).isZero();
        assertThat(w.p.store(Sim.page(v, 0), 1).isOk()).isTrue();
        assertThat(w.inode.timeUpdates()).as("kernfs_vma_page_mkwrite: file_update_time").isEqualTo(1);
        assertThat(w.device.mkwrites).hasValue(0);
    }

    @Test
    void pageMkwriteIsNeverCalledForPfnmapPages() {
        // do_wp_page: vm_normal_page is NULL in a VM_PFNMAP VMA, so a shared store goes to
        // wp_pfn_shared (->pfn_mkwrite, which kernfs_vm_ops does not have) and never to page_mkwrite.
        World w = new World(true, true);
        Vma v = w.map(1);
        List<String> labels = Collections.synchronizedList(new ArrayList<>());
        Interleave.install(new Interleave.Scheduler() {
            @Override
            public void point(String label) {
                labels.add(label);
            }

            @Override
            public void await(String label, BooleanSupplier condition) {
                while (!condition.getAsBoolean()) {
                    Thread.onSpinWait();
                }
            }

            @Override
            public boolean controls(Thread t) {
                return true;
            }
        });
        try {
            w.p.load(Sim.page(v, 0));
            assertThat(w.p.store(Sim.page(v, 0), 5).isOk()).isTrue();
        } finally {
            Interleave.uninstall();
        }
        assertThat(labels).as("the store took a write-protect fault").anyMatch(l -> l.startsWith("wp fault"));
        assertThat(w.device.mkwrites).hasValue(0);
        assertThat(w.inode.timeUpdates()).isZero();
    }

    @Test
    void pageMkwriteAfterRevokeIsSigbus() throws Exception {
        World w = new World();
        Vma v = w.map(1);
        w.p.load(Sim.page(v, 0));
        PauseAtLabel storer = new PauseAtLabel("wp fault");
        CompletableFuture<MemoryAccess> store = storer.run(() -> w.p.store(Sim.page(v, 0), 9));
        try {
            storer.awaitPaused();
            // The store found the read-only PTE and is about to call page_mkwrite; it holds no guard.
            w.object.revoke("hot-unplug");
        } finally {
            storer.release();
        }
        assertThat(store.get(TIMEOUT_S, TimeUnit.SECONDS).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(w.device.mkwrites).as("the driver's page_mkwrite never runs after revoke").hasValue(0);
        assertThat(w.events()).contains(new RevokeEvent.AccessRefused(w.object.id(), "page_mkwrite", "SIGBUS", null, v.id()));
        // do_page_mkwrite's VM_FAULT_SIGBUS ends the fault (wp_page_shared returns it): the store is not
        // retried into ->fault, so page_mkwrite's is the only refusal of the VMA.
        assertThat(w.events().stream().filter(e -> e instanceof RevokeEvent.AccessRefused a && v.id().equals(a.vma())))
                .containsExactly(new RevokeEvent.AccessRefused(w.object.id(), "page_mkwrite", "SIGBUS", null, v.id()));
    }

    // ---------------------------------------------------------------- NUMA policy

    @Test
    void numaPolicyReachesTheDriverWhileLiveAndIsEinvalAndTheVmasOwnAfterRevoke() {
        World w = new World();
        Vma v = w.map(2);
        MemPolicy bind = new MemPolicy("MPOL_BIND", Set.of(0));
        assertThat(w.p.mbind(v.start(), 2, bind).isOk()).isTrue();
        assertThat(w.device.setPolicies).hasValue(1);
        assertThat(v.policy()).as("vma_replace_policy stores it after ->set_policy").isEqualTo(bind);
        assertThat(w.p.getMempolicy(v.start()).value()).as("->get_policy answers while live").isEqualTo(RamDevice.DRIVER_POLICY);

        w.object.revoke("hot-unplug");
        MemPolicy interleave = new MemPolicy("MPOL_INTERLEAVE", Set.of(0, 1));
        assertThat(w.p.mbind(v.start(), 2, interleave).errnoOrNull()).as("kernfs_vma_set_policy").isEqualTo(Errno.EINVAL);
        assertThat(w.device.setPolicies).hasValue(1);
        assertThat(v.policy()).isEqualTo(bind);
        assertThat(w.p.getMempolicy(v.start()).value()).as("kernfs_vma_get_policy: vma->vm_policy").isEqualTo(bind);
        assertThat(w.events()).contains(new RevokeEvent.AccessRefused(w.object.id(), "set_policy", "EINVAL", null, v.id()));
    }

    // ---------------------------------------------------------------- may_split and mremap

    @Test
    void maySplitAndMremapNeverReachTheDriverAfterRevoke() {
        World w = new World();
        Vma v = w.map(4);
        assertThat(w.p.munmap(Sim.page(v, 1), 1).errnoOrNull()).as("the driver refuses the split while live").isEqualTo(Errno.EINVAL);
        assertThat(w.device.maySplits).hasValue(1);
        assertThat(w.p.mremap(v.start(), 4, 4, true).isOk()).isTrue();
        assertThat(w.device.mremaps).hasValue(1);
        Vma moved = w.p.mm().vmas().get(0);

        w.object.revoke("hot-unplug");
        assertThat(w.p.munmap(Sim.page(moved, 1), 1).isOk()).as("a VMA without may_split splits").isTrue();
        assertThat(w.device.maySplits).hasValue(1);
        long at = w.p.mm().vmas().get(0).start();
        assertThat(w.p.mremap(at, 1, 1, true).isOk()).as("a VMA without mremap moves").isTrue();
        assertThat(w.device.mremaps).hasValue(1);
        assertThat(w.device.opens).as("the split's new piece gets no driver open after revoke").hasValue(0);
    }

    // ---------------------------------------------------------------- access at the syscall

    @Test
    void ptraceAfterRevokeIsEioWhileTheAccessOpAndItsEventSayEinval() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 1, 0);
        Process tracer = sim.root();
        assertThat(p.store(Sim.page(v, 0), 7).isOk()).isTrue();
        assertThat(tracer.ptracePeek(p, Sim.page(v, 0)).value()).isEqualTo(7);
        assertThat(tracer.procMemAccess(p, Sim.page(v, 0), 0, false).value()).isEqualTo(7);

        sim.object().revoke("hot-unplug");
        assertThat(tracer.accessRemote(p, Sim.page(v, 0), 0, false).errnoOrNull()).as("kernfs_vma_access").isEqualTo(Errno.EINVAL);
        assertThat(tracer.ptracePeek(p, Sim.page(v, 0)).errnoOrNull()).as("generic_ptrace_peekdata").isEqualTo(Errno.EIO);
        assertThat(tracer.ptracePoke(p, Sim.page(v, 0), 1).errnoOrNull()).as("generic_ptrace_pokedata").isEqualTo(Errno.EIO);
        assertThat(tracer.procMemAccess(p, Sim.page(v, 0), 0, false).errnoOrNull()).as("mem_rw read").isEqualTo(Errno.EIO);
        assertThat(tracer.procMemAccess(p, Sim.page(v, 0), 1, true).errnoOrNull()).as("mem_rw write").isEqualTo(Errno.EIO);
        assertThat(sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::event)
                .filter(e -> e instanceof RevokeEvent.AccessRefused).toList())
                .as("every refusal records the op's own result")
                .allSatisfy(e -> assertThat(((RevokeEvent.AccessRefused) e).result()).isEqualTo("EINVAL"))
                .hasSize(5);
    }

    // ---------------------------------------------------------------- registry

    @Test
    void duplicateLiveIdRefusedWithAnErrorNamingTheId() {
        Sim sim = new Sim();
        assertThatThrownBy(() -> RevocableObject.builder(sim.kernel(), Sim.OBJECT, "other").operations(new FileOperations() {
        }).errnos(ErrnoTable.KERNFS).register())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + Sim.OBJECT + "'").hasMessageContaining("live");
        assertThat(sim.kernel().objects()).containsExactly(sim.object());
        assertThat(sim.log().eventsOf(Sim.OBJECT).stream().map(RecordedEvent::type).filter("ObjectRegistered"::equals))
                .as("nothing recorded for the refused registration").hasSize(1);
    }

    @Test
    void duplicateLiveIdRefusedOnlyWhileLive() {
        Sim sim = new Sim();
        sim.object().revoke("hot-unplug");
        RevocableObject second = RevocableObject.builder(sim.kernel(), Sim.OBJECT, "test").operations(new FileOperations() {
        }).errnos(ErrnoTable.KERNFS).register();
        assertThat(sim.kernel().objects()).containsExactly(sim.object(), second);
    }

    // ---------------------------------------------------------------- fork (dup_mmap order)

    /**
     * dup_mmap runs {@code ->open}, links the copy into {@code i_mmap}, then {@code copy_page_range};
     * the simulation links and copies each VMA first and opens them all after. Revoke cannot tell the
     * two apart: whatever point of the fork its whole run falls at, no live PTE survives in the child
     * (the copy is linked before its PTEs are copied in both orders) and the driver's open never runs
     * once revoke has begun (kernfs_vma_open does nothing then, in both orders).
     */
    @ParameterizedTest
    @ValueSource(strings = {"dup_mmap linked", "dup_mmap copied"})
    void forkOrderRevokeRunningInsideTheForkLeavesNoLivePteAndNoDriverOpen(String point) throws Exception {
        World w = new World();
        Vma v = w.map(2);
        w.p.load(Sim.page(v, 0));
        w.p.load(Sim.page(v, 1));
        PauseAtLabel forker = new PauseAtLabel(point);
        CompletableFuture<Process> fork = forker.run(w.p::fork);
        try {
            forker.awaitPaused();
            w.object.revoke("hot-unplug");
        } finally {
            forker.release();
        }
        Process child = fork.get(TIMEOUT_S, TimeUnit.SECONDS);
        Vma copy = child.mm().vmas().get(0);
        assertThat(child.mm().populatedPages(copy)).as("the zap found the linked copy or copy_page_range found nothing").isZero();
        assertThat(w.device.opens).hasValue(0);
        assertThat(child.load(Sim.page(copy, 0)).signal()).isEqualTo(Signal.SIGBUS);
    }
}
