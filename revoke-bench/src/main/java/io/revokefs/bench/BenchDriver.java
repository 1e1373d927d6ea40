package io.revokefs.bench;

import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmaFlag;

/**
 * The smallest driver that exercises the paths under measurement: a device whose file page
 * {@code n} is PFN {@code basePfn + n}, mapped on fault ({@code vmf_insert_pfn}), with a read that
 * returns a constant. Stateless, so the same instance serves the wrapped and the unwrapped variants
 * and both pay exactly the same driver cost.
 */
final class BenchDriver implements FileOperations {
    private static final byte[] DATA = {'d', 'a', 't', 'a'};

    private final long basePfn;
    private final VmOperations vmOps;
    /** {@code ->close} calls, for a driver made with one. */
    private long vmCloses;

    BenchDriver(long basePfn) {
        this(basePfn, false);
    }

    /** With {@code vmClose}, the vm_ops has a {@code ->close} that counts its calls (issue 16's benchmark). */
    BenchDriver(long basePfn, boolean vmClose) {
        this.basePfn = basePfn;
        this.vmOps = vmClose ? new VmOperations() {
            @Override
            public FaultResult fault(VmFault vmf) {
                return vmf.insertPfn(basePfn + vmf.pgoff());
            }

            @Override
            public boolean hasClose() {
                return true;
            }

            @Override
            public void close(Vma vma) {
                vmCloses++;
            }
        } : new VmOperations() {
            @Override
            public FaultResult fault(VmFault vmf) {
                return vmf.insertPfn(basePfn + vmf.pgoff());
            }
        };
    }

    long vmCloses() {
        return vmCloses;
    }

    long basePfn() {
        return basePfn;
    }

    VmOperations vmOps() {
        return vmOps;
    }

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        return Result.ok(DATA);
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO, VmaFlag.DONTEXPAND);
        vma.setVmOps(vmOps);
        return Result.ok();
    }
}
