package io.revokefs.procfs;

import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PollTable;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proc_ops of a test entry: read returns "data", write accepts, poll sleeps on a wait queue
 * until {@link #event()}, mmap maps {@code pages} RAM pages from {@code basePfn}, populated on fault.
 */
final class TestProcOps implements FileOperations {
    private final long basePfn;
    private final long pages;
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicInteger releases = new AtomicInteger();
    private volatile WaitQueue queue;

    TestProcOps(long basePfn, long pages) {
        this.basePfn = basePfn;
        this.pages = pages;
    }

    void attach(ProcEntry entry) {
        queue = entry.newWaitQueue("events");
    }

    void event() {
        events.incrementAndGet();
        queue.wakeUp();
    }

    int releases() {
        return releases.get();
    }

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        return Result.ok("data".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        return Result.ok(data.length);
    }

    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        table.pollWait(queue);
        return events.get() > 0 ? PollBit.mask(PollBit.POLLIN, PollBit.POLLRDNORM) : Set.of();
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        if (vma.pgoff() + vma.pages() > pages) {
            return Result.err(io.revokefs.kernel.Errno.EINVAL);
        }
        vma.setVmOps(vmOps);
        return Result.ok();
    }

    @Override
    public void release(OpenFile file) {
        releases.incrementAndGet();
    }

    private final VmOperations vmOps = new VmOperations() {
        @Override
        public FaultResult fault(VmFault vmf) {
            return vmf.pgoff() < pages ? vmf.insertPfn(basePfn + vmf.pgoff()) : FaultResult.SIGBUS;
        }

        @Override
        public Result<Long> access(Vma vma, long addr, long value, boolean write) {
            return VmOperations.genericAccessPhys(vma, addr, value, write);
        }
    };
}
