package io.revokefs.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory system calls' refusals and resizes on a plain kernel (no revocable object): what the
 * whole suite never reached in {@link Mm} (mutation testing, issue 18 point 12). The driver here is
 * the smallest one with {@code ->mmap}; its vm_ops (or none) and their answers are set per test.
 */
class MmSyscallEdgeCasesTest {
    private static final long PAGE = Kernel.PAGE_SIZE;
    private static final MemPolicy BIND0 = new MemPolicy("MPOL_BIND", Set.of(0));

    private final Kernel kernel = new Kernel((vmas, ptes, mapping, firstPfn, pages) -> { });
    private final Driver driver = new Driver();
    private final Inode inode = kernel.newInode("/dev/edge", 0600, 0, driver, kernel.newAddressSpace("edge"), null);
    private final Process p = kernel.newProcess(0);
    private final OpenFile file = p.open(inode, false).value();

    /** {@code ->mmap} sets {@link #vmOps} (null: none, as a driver that sets no vm_ops) and VM_PFNMAP when asked. */
    private static final class Driver implements FileOperations {
        VmOperations vmOps;
        boolean pfnmap;

        @Override
        public boolean hasMmap() {
            return true;
        }

        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            if (pfnmap) {
                vma.addFlags(VmaFlag.PFNMAP);
            }
            vma.setVmOps(vmOps);
            return Result.ok();
        }
    }

    /** vm_ops whose {@code ->may_split}, {@code ->mremap} and {@code ->set_policy} answer as set, and record their calls. */
    private static final class Ops implements VmOperations {
        Result<Void> maySplit = Result.ok();
        Result<Void> mremap = Result.ok();
        Result<Void> setPolicy = Result.ok();
        final List<String> calls = new ArrayList<>();

        @Override
        public Result<Void> maySplit(Vma vma, long addr) {
            calls.add("may_split");
            return maySplit;
        }

        @Override
        public Result<Void> mremap(Vma vma) {
            calls.add("mremap " + Long.toHexString(vma.start()));
            return mremap;
        }

        @Override
        public Result<Void> setPolicy(Vma vma, MemPolicy policy) {
            calls.add("set_policy");
            return setPolicy;
        }
    }

    /** The vm_ops the next mmaps get. */
    private Ops installOps() {
        Ops ops = new Ops();
        driver.vmOps = ops;
        return ops;
    }

    private Vma map(long pages) {
        return p.mmap(file, pages, 0, true).value();
    }

    private List<long[]> ranges() {
        return p.mm().vmas().stream().map(v -> new long[] {v.start(), v.end()}).toList();
    }

    @Test
    void mmapOfNoPagesOrANegativeOffsetIsEinvalAndAWritableMappingOfAReadOnlyFileIsEacces() {
        assertThat(p.mmap(file, 0, 0, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mmap(file, 1, -1, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
        OpenFile readOnly = p.open(inode, true).value();
        assertThat(p.mmap(readOnly, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EACCES);
        assertThat(p.mmap(readOnly, 1, 0, false).isOk()).isTrue();
    }

    @Test
    void anMmapThatFindsTheMmGoneIsEnomemAndMapsNothing() {
        // The mm's own check: a Process.exit racing an mmap past its descriptor check (sequentially
        // the closed descriptor answers EBADF first, as below).
        Mm mm = p.mm();
        p.exit();
        assertThat(p.mmap(file, 1, 0, false).errnoOrNull()).isEqualTo(Errno.EBADF);
        assertThat(mm.mmap(file, 1, 0, false).errnoOrNull()).isEqualTo(Errno.ENOMEM);
        assertThat(mm.vmas()).isEmpty();
    }

    @Test
    void munmapOfAnUnalignedAddressOrNoPagesIsEinval() {
        Vma v = map(2);
        assertThat(p.munmap(v.start() + 1, 1).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.munmap(v.start(), 0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mm().vmas()).containsExactly(v);
    }

    @Test
    void aMaySplitRefusalAtEitherEndOfTheRangeFailsTheWholeMunmapAndLeavesTheVmaWhole() {
        Ops ops = installOps();
        Vma v = map(4);
        ops.maySplit = Result.err(Errno.EINVAL);
        // The range's start inside the VMA (split at addr), then its end inside it (split at end).
        assertThat(p.munmap(v.start() + PAGE, 3).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.munmap(v.start(), 1).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(ops.calls).containsExactly("may_split", "may_split");
        assertThat(ranges()).containsExactly(new long[] {v.start(), v.start() + 4 * PAGE});
        ops.maySplit = Result.ok();
        assertThat(p.munmap(v.start(), 1).isOk()).isTrue();
        assertThat(ranges()).containsExactly(new long[] {v.start() + PAGE, v.start() + 4 * PAGE});
    }

    @Test
    void mremapRefusesAnUnalignedAddressNoNewPagesAnAddressNoVmaHoldsAndARangePastItsVma() {
        driver.pfnmap = true;
        Vma v = map(2);
        // check_mremap_params: an unaligned address, a zero new length ("nonsensical").
        assertThat(p.mremap(v.start() + 1, 2, 2, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mremap(v.start(), 2, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mremap(v.start(), -1, 1, false).errnoOrNull()).isEqualTo(Errno.EINVAL);
        // vma_lookup finds nothing at the hole after the VMA.
        assertThat(p.mremap(v.end(), 1, 1, true).errnoOrNull()).isEqualTo(Errno.EFAULT);
        // remap_is_valid: "We can't remap across vm area boundaries".
        assertThat(p.mremap(v.start() + PAGE, 2, 2, true).errnoOrNull()).isEqualTo(Errno.EFAULT);
        assertThat(ranges()).containsExactly(new long[] {v.start(), v.end()});
    }

    @Test
    void aZeroOldLengthIsAllowedAndOnAPfnmapVmaIsTheRefusalToGrowIt() {
        // do_mremap allows old_len 0 ("duplicate shm area"); every simulated VMA is shared, so
        // remap_is_valid goes on to the growth checks: VM_PFNMAP cannot grow (EFAULT), moving or not.
        driver.pfnmap = true;
        Vma pfn = map(2);
        assertThat(p.mremap(pfn.start(), 0, 1, false).errnoOrNull()).isEqualTo(Errno.EFAULT);
        assertThat(p.mremap(pfn.start(), 0, 1, true).errnoOrNull()).isEqualTo(Errno.EFAULT);
        // Any other VMA without a move: expand_vma cannot grow a zero-length range in place
        // (vrm_can_expand_in_place: the range does not reach the VMA's end), and may not move: ENOMEM.
        driver.pfnmap = false;
        Vma plain = map(2);
        assertThat(p.mremap(plain.start(), 0, 1, false).errnoOrNull()).isEqualTo(Errno.ENOMEM);
        assertThat(ranges()).containsExactly(new long[] {pfn.start(), pfn.end()}, new long[] {plain.start(), plain.end()});
    }

    @Test
    void movingPartOfAVmaSplitsItOutAskingMaySplitAtEachEndAndMovesThatPartOnly() {
        Ops ops = installOps();
        Vma v = map(4);
        long start = v.start();
        long moved = p.mremap(start + PAGE, 2, 2, true).value();
        // prep_move_vma asks ->may_split at both ends, then the middle moves and ->mremap is told.
        assertThat(ops.calls).containsExactly("may_split", "may_split", "mremap " + Long.toHexString(moved));
        assertThat(ranges()).containsExactly(new long[] {start, start + PAGE}, new long[] {start + 3 * PAGE, start + 4 * PAGE},
                new long[] {moved, moved + 2 * PAGE});
        Vma middle = p.mm().vmas().stream().filter(x -> x.start() == moved).findFirst().orElseThrow();
        assertThat(middle.pgoff()).as("the moved part keeps its file offset").isEqualTo(1);
    }

    @Test
    void aMoveOfPartOfAVmaTheDriverWillNotSplitReturnsTheDriversErrorAndMovesNothing() {
        Ops ops = installOps();
        Vma v = map(4);
        ops.maySplit = Result.err(Errno.EPERM);
        assertThat(p.mremap(v.start() + PAGE, 2, 2, true).errnoOrNull()).isEqualTo(Errno.EPERM);
        assertThat(ops.calls).containsExactly("may_split");
        assertThat(ranges()).containsExactly(new long[] {v.start(), v.end()});
    }

    @Test
    void shrinkingWithoutAMoveUnmapsTheTailWhateverLiesThereAsShrinkVmaDoes() {
        // mremap_at's shrink is do_vmi_munmap of [addr + new_len, addr + old_len): no boundary check, so
        // an old length past the VMA unmaps the hole after it (nothing) and answers the address.
        Vma v = map(2);
        long start = v.start();
        assertThat(p.mremap(start + PAGE, 3, 1, false).value()).isEqualTo(start + PAGE);
        assertThat(ranges()).containsExactly(new long[] {start, start + 2 * PAGE});
        assertThat(p.mremap(start, 2, 1, false).value()).isEqualTo(start);
        assertThat(ranges()).containsExactly(new long[] {start, start + PAGE});
    }

    @Test
    void mremapShrinkingInPlaceUnmapsTheTailAndReturnsTheSameAddress() {
        Vma v = map(4);
        long start = v.start();
        assertThat(p.mremap(start, 4, 1, false).value()).isEqualTo(start);
        assertThat(ranges()).containsExactly(new long[] {start, start + PAGE});
        // Same size, no move: nothing to do.
        assertThat(p.mremap(start, 1, 1, false).value()).isEqualTo(start);
        assertThat(ranges()).containsExactly(new long[] {start, start + PAGE});
    }

    @Test
    void mremapShrinkingAndMovingRelocatesWhatIsLeftAndTellsTheDriver() {
        Ops ops = installOps();
        Vma v = map(4);
        long start = v.start();
        long moved = p.mremap(start, 4, 2, true).value();
        assertThat(moved).isNotEqualTo(start);
        assertThat(ranges()).containsExactly(new long[] {moved, moved + 2 * PAGE});
        // The tail is split off (->may_split at the new end), then the rest moves (->mremap at its new place).
        assertThat(ops.calls).containsExactly("may_split", "mremap " + Long.toHexString(moved));
    }

    @Test
    void aShrinkWhoseTailTheDriverWillNotSplitOffFailsAndKeepsTheVma() {
        Ops ops = installOps();
        Vma v = map(4);
        ops.maySplit = Result.err(Errno.EINVAL);
        assertThat(p.mremap(v.start(), 4, 2, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(ranges()).containsExactly(new long[] {v.start(), v.start() + 4 * PAGE});
    }

    @Test
    void aMoveTheDriversMremapRefusesIsUndoneAndReturnsItsError() {
        Ops ops = installOps();
        Vma v = map(2);
        long start = v.start();
        ops.mremap = Result.err(Errno.EPERM);
        assertThat(p.mremap(start, 2, 2, true).errnoOrNull()).isEqualTo(Errno.EPERM);
        assertThat(ranges()).containsExactly(new long[] {start, start + 2 * PAGE});
        assertThat(p.mm().vmas()).containsExactly(v);
    }

    @Test
    void growingAPfnmapVmaIsEfaultAndAnyOtherIsEnomem() {
        // vma_to_resize (now remap_is_valid): VM_PFNMAP and VM_DONTEXPAND cannot grow.
        driver.pfnmap = true;
        Vma pfn = map(1);
        assertThat(p.mremap(pfn.start(), 1, 2, true).errnoOrNull()).isEqualTo(Errno.EFAULT);
        driver.pfnmap = false;
        Vma plain = map(1);
        assertThat(p.mremap(plain.start(), 1, 2, true).errnoOrNull()).isEqualTo(Errno.ENOMEM);
        plain.addFlags(VmaFlag.DONTEXPAND);
        assertThat(p.mremap(plain.start(), 1, 2, true).errnoOrNull()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void mbindOfNoPagesSucceedsDoingNothingAndANegativeCountIsEinval() {
        // do_mbind: the alignment check first, then "if (end == start) return 0", even where nothing is mapped.
        Ops ops = installOps();
        Vma v = map(2);
        assertThat(p.mbind(v.start() + 1, 0, BIND0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mbind(v.start() + PAGE, 0, BIND0).isOk()).isTrue();
        assertThat(p.mbind(v.end(), 0, BIND0).isOk()).isTrue();
        assertThat(p.mbind(v.start(), -1, BIND0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(ops.calls).isEmpty();
        assertThat(ranges()).containsExactly(new long[] {v.start(), v.end()});
        assertThat(p.getMempolicy(v.start()).value()).isNull();
    }

    @Test
    void aMaySplitRefusalIsAnsweredWithTheDriversErrorAsSplitVmaReturnsIt() {
        Ops ops = installOps();
        Vma v = map(3);
        ops.maySplit = Result.err(Errno.EPERM);
        assertThat(p.munmap(v.start() + PAGE, 1).errnoOrNull()).isEqualTo(Errno.EPERM);
        assertThat(p.mbind(v.start() + PAGE, 1, BIND0).errnoOrNull()).isEqualTo(Errno.EPERM);
        assertThat(ranges()).containsExactly(new long[] {v.start(), v.end()});
    }

    @Test
    void mbindRefusesAnUnalignedAddressAndAnUnmappedPartAndSetsThePolicyOtherwise() {
        Vma v = map(2);
        assertThat(p.mbind(v.start() + 1, 1, BIND0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        // The range runs past the VMA into the hole after it: EFAULT, nothing set.
        assertThat(p.mbind(v.start(), 3, BIND0).errnoOrNull()).isEqualTo(Errno.EFAULT);
        assertThat(p.getMempolicy(v.start()).value()).isNull();
        assertThat(p.mbind(v.start(), 2, BIND0).isOk()).isTrue();
        assertThat(p.getMempolicy(v.start() + PAGE).value()).isEqualTo(BIND0);
    }

    @Test
    void mbindOverPartOfAVmaSplitsItUnlessMaySplitRefusesAndASetPolicyErrorStopsIt() {
        Ops ops = installOps();
        Vma v = map(3);
        long start = v.start();
        ops.maySplit = Result.err(Errno.EINVAL);
        assertThat(p.mbind(start + PAGE, 1, BIND0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(p.mbind(start, 1, BIND0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(ranges()).hasSize(1);
        assertThat(ops.calls).doesNotContain("set_policy");
        ops.maySplit = Result.ok();
        ops.setPolicy = Result.err(Errno.ENOMEM);
        assertThat(p.mbind(start, 3, BIND0).errnoOrNull()).isEqualTo(Errno.ENOMEM);
        assertThat(p.getMempolicy(start).value()).as("refused by ->set_policy: not stored").isNull();
        ops.setPolicy = Result.ok();
        // A page exactly: split at both ends; the policy only on the middle piece.
        assertThat(p.mbind(start + PAGE, 1, BIND0).isOk()).isTrue();
        assertThat(ranges()).containsExactly(new long[] {start, start + PAGE}, new long[] {start + PAGE, start + 2 * PAGE},
                new long[] {start + 2 * PAGE, start + 3 * PAGE});
        assertThat(p.getMempolicy(start).value()).isNull();
        assertThat(p.getMempolicy(start + PAGE).value()).isEqualTo(BIND0);
        assertThat(p.getMempolicy(start + 2 * PAGE).value()).isNull();
    }

    @Test
    void getMempolicyWhereNothingIsMappedIsEfault() {
        Vma v = map(1);
        assertThat(p.getMempolicy(v.end()).errnoOrNull()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void anAccessToAVmaWithoutVmOpsIsSigbusAndARemoteOneIsEio() {
        // do_fault: no ->fault, no PTE: VM_FAULT_SIGBUS; __access_remote_vm without ->access copies nothing.
        Vma v = map(1);
        assertThat(v.vmOps()).isNull();
        assertThat(p.load(v.start()).signal()).isEqualTo(Signal.SIGBUS);
        Process tracer = kernel.newProcess(0);
        assertThat(tracer.accessRemote(p, v.start(), 0, false).errnoOrNull()).isEqualTo(Errno.EIO);
    }
}
