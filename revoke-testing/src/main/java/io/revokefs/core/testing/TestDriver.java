package io.revokefs.core.testing;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.PollTable;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmaFlag;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A driver for tests: a device with {@code pages} pages of MMIO at {@code basePfn}, readable,
 * writable, pollable, mappable. Its mappings populate on fault by default, or eagerly after link,
 * or (planted, for R04) inside {@code ->mmap}. Operations can be made to stop at a latch so a
 * test can hold them in flight.
 */
public final class TestDriver implements FileOperations {

    private final long basePfn;
    private final long pages;
    // Footprint keys (Interleave.touch): the configuration and the enable flag, the counters (only
    // added to while running), the interrupt count. One driver per world: constants are enough.
    private static final String CONFIG = "test driver";
    private static final String COUNTS = "test driver counts";
    private static final String IRQ = "test driver interrupts";
    private volatile PfnMapping mapping = mapping(PfnMapping.Populate.ON_FAULT);
    private volatile VmOperations vmOpsOverride;
    private final Map<String, AtomicInteger> releases = new ConcurrentHashMap<>();
    private final AtomicInteger faults = new AtomicInteger();
    private final AtomicInteger interrupts = new AtomicInteger();
    private volatile WaitQueue queue;

    private volatile Gate readGate;
    private volatile Gate faultGate;
    private volatile Gate releaseGate;
    private volatile boolean memoryEnabled = true;
    private volatile boolean checkEnableOutsidePtl;
    private volatile boolean blockingReads;
    private volatile boolean populateInsideMmap;
    private volatile boolean vmClose;
    /** Driver ->close calls per VMA piece (by identity), and ->open calls. */
    private final Map<Vma, AtomicInteger> vmCloses = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final AtomicInteger vmOpens = new AtomicInteger();

    /** A pair of latches: the operation says it is in, then waits to be let go. */
    public static final class Gate {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch proceed = new CountDownLatch(1);

        /** Waits until the operation is at the gate; false on timeout. */
        public boolean awaitEntered(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
            return entered.await(timeout, unit);
        }

        /** Lets the operation go on. */
        public void open() {
            proceed.countDown();
        }

        void pass() {
            entered.countDown();
            try {
                // Bounded, so a failed test cannot leave a thread blocked for the rest of the run.
                if (!proceed.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public TestDriver(long basePfn, long pages) {
        this.basePfn = basePfn;
        this.pages = pages;
    }

    /** Binds the driver's wait queue to its object (made after registration). */
    public void attach(RevocableObject object) {
        Interleave.touch(CONFIG, true);
        this.queue = object.newWaitQueue("irq");
    }

    /** The next read stops at {@code gate} until it is opened. */
    public void setReadGate(Gate gate) {
        Interleave.touch(CONFIG, true);
        this.readGate = gate;
    }

    /** The next fault stops at {@code gate} until it is opened. */
    public void setFaultGate(Gate gate) {
        Interleave.touch(CONFIG, true);
        this.faultGate = gate;
    }

    /** The next release stops at {@code gate} until it is opened (close racing revoke). */
    public void setReleaseGate(Gate gate) {
        Interleave.touch(CONFIG, true);
        this.releaseGate = gate;
    }

    /**
     * vfio-style memory enable: while false, faults and eager population refuse. The driver checks
     * it under the page table lock ({@link PfnMapping}), so a fault racing a disable either sees
     * the flag cleared or installs before the disable's zap and is zapped.
     */
    public void setMemoryEnabled(boolean enabled) {
        Interleave.touch(CONFIG, true);
        this.memoryEnabled = enabled;
    }

    public boolean memoryEnabled() {
        Interleave.touch(CONFIG, false);
        return memoryEnabled;
    }

    /**
     * Planted bug, for the explorer's control (R23): the fault checks {@link #memoryEnabled()}
     * before inserting instead of under the page table lock, so a disable can slip in between.
     */
    public void setCheckEnableOutsidePtl(boolean naive) {
        Interleave.touch(CONFIG, true);
        this.checkEnableOutsidePtl = naive;
    }

    /**
     * Gives the driver's vm_ops a {@code ->close} (and {@code ->open}) that count their calls, so a
     * test can check "one close per piece" (docs/semantics.md section 9). Off by default.
     */
    public void setVmClose(boolean on) {
        Interleave.touch(CONFIG, true);
        this.vmClose = on;
    }

    /** How many times the driver's {@code ->close} ran for this piece. */
    public int vmClosesOf(Vma piece) {
        Interleave.touch(COUNTS, false);
        AtomicInteger n = vmCloses.get(piece);
        return n == null ? 0 : n.get();
    }

    /** Every {@code ->close} call so far. */
    public int totalVmCloses() {
        Interleave.touch(COUNTS, false);
        synchronized (vmCloses) {
            return vmCloses.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    /** The pieces closed more than once (should be none). */
    public java.util.List<Vma> closedMoreThanOnce() {
        Interleave.touch(COUNTS, false);
        synchronized (vmCloses) {
            return vmCloses.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey).toList();
        }
    }

    /** Every {@code ->open} call so far (split pieces and fork copies that reached the driver). */
    public int vmOpens() {
        Interleave.touch(COUNTS, false);
        return vmOpens.get();
    }

    /** Reads sleep until the next interrupt (uio style). */
    public void setBlockingReads(boolean blocking) {
        Interleave.touch(CONFIG, true);
        this.blockingReads = blocking;
    }

    public void setPopulate(PfnMapping.Populate p) {
        Interleave.touch(CONFIG, true);
        this.mapping = mapping(p);
        this.populateInsideMmap = false;
    }

    /** Planted bug (R04): populate inside {@code ->mmap}, as Linux drivers do ({@link Planted#populateInsideMmap}). */
    public void plantPopulateInsideMmap() {
        Interleave.touch(CONFIG, true);
        this.mapping = mapping(PfnMapping.Populate.AFTER_LINK);
        this.populateInsideMmap = true;
    }

    /** The device's pages, mappable while {@link #memoryEnabled} (checked under the page table lock). */
    private PfnMapping mapping(PfnMapping.Populate p) {
        return PfnMapping.builder((vma, pgoff) -> pgoff < pages ? basePfn + pgoff : PfnMapping.NO_PFN)
                .allowed((firstPfn, n) -> {
                    Interleave.touch(CONFIG, false);
                    return memoryEnabled;
                })
                .populate(p)
                .build();
    }

    /** Makes {@code ->mmap} install these vm_ops instead of the driver's own. */
    public void setVmOps(VmOperations ops) {
        Interleave.touch(CONFIG, true);
        this.vmOpsOverride = ops;
    }

    public int releasesOf(OpenFile f) {
        Interleave.touch(COUNTS, false);
        AtomicInteger n = releases.get(f.id());
        return n == null ? 0 : n.get();
    }

    public int totalReleases() {
        Interleave.touch(COUNTS, false);
        return releases.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Faults that reached the driver's handler. */
    public int faults() {
        Interleave.touch(COUNTS, false);
        return faults.get();
    }

    /** The device raises an interrupt: blocked readers and pollers wake. */
    public void interrupt() {
        Interleave.touch(IRQ, true);
        interrupts.incrementAndGet();
        queue.wakeUp();
    }

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        Interleave.touch(CONFIG, false);
        Gate g = readGate;
        if (g != null) {
            Interleave.touch(CONFIG, true);
            readGate = null;
            g.pass();
        }
        if (blockingReads) {
            return readBlocking(file);
        }
        byte[] data = "data".getBytes(StandardCharsets.US_ASCII);
        return Result.ok(data);
    }

    /** A read that sleeps until the next interrupt (uio style); EIO if the device goes away. */
    public Result<byte[]> readBlocking(OpenFile file) {
        Interleave.touch(IRQ, false);
        int seen = interrupts.get();
        if (!queue.waitEvent(() -> interrupts.get() != seen)) { // a wait queue's condition: an unknown footprint
            return Result.err(Errno.EIO);
        }
        Interleave.touch(IRQ, false);
        return Result.ok(new byte[] {(byte) interrupts.get()});
    }

    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        return Result.ok(data.length);
    }

    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        table.pollWait(queue);
        Interleave.touch(IRQ, false);
        return interrupts.get() > 0 ? PollBit.mask(PollBit.POLLIN, PollBit.POLLRDNORM) : Set.of();
    }

    @Override
    public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
        return cmd == 1 ? Result.ok(arg) : Result.err(Errno.ENOTTY);
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        if (vma.pgoff() + vma.pages() > pages) {
            return Result.err(Errno.EINVAL);
        }
        vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO, VmaFlag.DONTEXPAND);
        Interleave.touch(CONFIG, false);
        vma.setVmOps(vmOpsOverride != null ? vmOpsOverride : vmOps);
        if (populateInsideMmap) {
            Planted.populateInsideMmap(vma);
        }
        return Result.ok();
    }

    @Override
    public void release(OpenFile file) {
        Interleave.touch(CONFIG, false);
        Gate g = releaseGate;
        if (g != null) {
            Interleave.touch(CONFIG, true);
            releaseGate = null;
            g.pass();
        }
        Interleave.touchAdd(COUNTS);
        releases.computeIfAbsent(file.id(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** The device's {@link PfnMapping}, with the test hooks: the fault gate and the naive driver. */
    private final VmOperations vmOps = new VmOperations() {
        @Override
        public FaultResult fault(VmFault vmf) {
            Interleave.touch(CONFIG, false);
            Gate g = faultGate;
            if (g != null) {
                Interleave.touch(CONFIG, true);
                faultGate = null;
                g.pass();
            }
            Interleave.touchAdd(COUNTS);
            faults.incrementAndGet();
            if (checkEnableOutsidePtl) {
                return naiveFault(vmf);
            }
            return mapping.fault(vmf);
        }

        @Override
        public Result<Long> access(Vma vma, long addr, long value, boolean write) {
            Interleave.touch(CONFIG, false);
            return mapping.access(vma, addr, value, write);
        }

        @Override
        public long mapped(Vma vma) {
            Interleave.touch(CONFIG, false);
            return mapping.mapped(vma);
        }

        @Override
        public boolean hasClose() {
            Interleave.touch(CONFIG, false);
            return vmClose;
        }

        @Override
        public void open(Vma vma) {
            Interleave.touchAdd(COUNTS);
            vmOpens.incrementAndGet();
        }

        @Override
        public void close(Vma vma) {
            Interleave.touch(CONFIG, false);
            Interleave.touchAdd(COUNTS);
            if (vmClose) {
                vmCloses.computeIfAbsent(vma, k -> new AtomicInteger()).incrementAndGet();
            }
        }
    };

    /**
     * The planted bug of {@link #checkEnableOutsidePtl}: the enable check made before the insert
     * instead of under the page table lock, so a disable and its zap can run in between.
     */
    private FaultResult naiveFault(VmFault vmf) {
        Interleave.touch(CONFIG, false);
        if (vmf.pgoff() >= pages || !memoryEnabled) {
            return FaultResult.SIGBUS;
        }
        Interleave.point("fault checked enable");
        return vmf.insertPfn(basePfn + vmf.pgoff());
    }
}
