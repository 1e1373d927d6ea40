package io.revokefs.core.kernel;

import io.revokefs.core.FaultResult;
import io.revokefs.core.Result;

import java.util.Objects;

/**
 * The vm operations of a mapping of physical pages ({@code VM_PFNMAP}: MMIO, a PCI BAR, a uio
 * physical map, /dev/mem): the one place where a driver's PTEs are installed, so that no driver
 * writes "check the resource, then insert" itself.
 *
 * <p>A driver describes its mapping with two functions and a population strategy:
 * <ul>
 *   <li>{@link PfnOf}: the physical page behind file page {@code pgoff} of a VMA, or
 *       {@link #NO_PFN} where there is none (the fault then raises SIGBUS). For eager population the
 *       VMA's pages are taken to be physically contiguous from {@code pfnOf(vma, vma.pgoff())}, as
 *       {@code remap_pfn_range} maps them;</li>
 *   <li>{@link Allowed}: whether a range of physical pages may be mapped now (not claimed by a
 *       driver, memory still there, memory decoding enabled). It is evaluated <em>under the page
 *       table lock</em>, immediately before the PTEs are written ({@link VmFault#insertPfnIf},
 *       {@link Mm#remapPfnRangeIf}), and once before that without any lock so that a refusal costs
 *       nothing. Only the check under the lock counts: whoever makes the range disallowed and then
 *       zaps it ({@code __request_region} then {@code revoke_iomem}, a vfio disable) takes the same
 *       page table lock in the zap, so either the zap runs after the insert and removes the PTE, or
 *       the change is visible to the check. A check made only before the insert lets the zap run in
 *       between and leaves a PTE to memory the driver no longer owns (docs/races.md R02). The predicate
 *       must not take a simulated lock (it runs inside the page table lock); plain Java monitors and
 *       volatile reads are fine. Without one, every page {@code PfnOf} names may be mapped;</li>
 *   <li>{@link Populate}: when the PTEs are installed.</li>
 * </ul>
 *
 * <p>Use: set it as the VMA's vm_ops in the driver's {@code ->mmap}
 * ({@code vma.setVmOps(mapping)}), or call {@link #fault}, {@link #mapped} and {@link #access} from
 * a driver's own {@link VmOperations}. Nothing is populated inside {@code ->mmap}, where Linux
 * drivers call {@code io_remap_pfn_range}: there the VMA is not yet in {@code i_mmap}, and a zap
 * running then misses its PTEs (docs/races.md R04; revoke-testing's {@code Planted} keeps that way to
 * show the race). A driver whose mapping has no fault handler in
 * Linux ({@code pci_phys_vm_ops}, {@code uio_physical_vm_ops}) asks for {@link Builder#noFaultHandler()}:
 * its pages, once zapped, stay SIGBUS.
 *
 * <p>Thread-safe; holds no state of its own besides the functions it was given.
 */
public final class PfnMapping implements VmOperations {
    /** What {@link PfnOf} returns for a page with no physical page behind it. */
    public static final long NO_PFN = -1;

    /** When a mapping's PTEs are installed. */
    public enum Populate {
        /** None at mmap; each fault installs its page, checked under the page table lock. */
        ON_FAULT,
        /**
         * The whole VMA right after it is linked into its mapping's {@code i_mmap}
         * ({@link VmOperations#mapped}), checked under the page table lock; faults refill pages a zap
         * removed (vfio style). A concurrent zap finds the VMA, so it cannot miss these PTEs (R04).
         */
        AFTER_LINK
    }

    /** The physical page behind file page {@code pgoff} of {@code vma}, or {@link #NO_PFN}. */
    @FunctionalInterface
    public interface PfnOf {
        long pfnOf(Vma vma, long pgoff);
    }

    /**
     * The inverse of {@link PfnOf}, for the rmap ({@link Rmap}): calls {@code sink} with each range of
     * file pages whose PFN may lie in {@code [firstPfn, lastPfn]}. A superset is fine (every page the
     * rmap finds through it is checked again with {@link PfnOf}); a page left out is a mapping the
     * rmap misses. {@link #linear} does the arithmetic of one stretch mapped as
     * {@code remap_pfn_range} maps it.
     */
    @FunctionalInterface
    public interface PgoffsOf {
        void pgoffsOf(long firstPfn, long lastPfn, PgoffRanges sink);

        /**
         * Passes to {@code sink} the file pages of the stretch {@code [pgoff, pgoff + pages)}, mapped
         * to {@code [pfn, pfn + pages)} in order, whose PFN lies in {@code [firstPfn, lastPfn]}.
         */
        static void linear(long pgoff, long pfn, long pages, long firstPfn, long lastPfn, PgoffRanges sink) {
            if (pages <= 0 || pfn < 0) {
                return;
            }
            long from = Math.max(firstPfn, pfn);
            long to = Math.min(lastPfn, pfn + (pages - 1));
            if (from <= to) {
                sink.range(pgoff + (from - pfn), pgoff + (to - pfn));
            }
        }
    }

    /** Receives ranges of file pages {@code [firstPgoff, lastPgoff]}. */
    @FunctionalInterface
    public interface PgoffRanges {
        void range(long firstPgoff, long lastPgoff);
    }

    /**
     * Whether physical pages {@code [firstPfn, firstPfn + pages)} may be mapped now; evaluated under
     * the page table lock (see the class comment).
     */
    @FunctionalInterface
    public interface Allowed {
        boolean test(long firstPfn, long pages);
    }

    private final PfnOf pfnOf;
    private final Allowed allowed;
    private final Populate populate;
    private final boolean faultHandler;
    private final PgoffsOf pgoffsOf;

    private PfnMapping(Builder b) {
        this.pfnOf = b.pfnOf;
        this.pgoffsOf = b.pgoffsOf;
        this.allowed = b.allowed;
        this.populate = b.populate;
        this.faultHandler = b.faultHandler;
    }

    /** Starts describing a mapping whose pages are {@code pfnOf}; on fault, every page allowed, by default. */
    public static Builder builder(PfnOf pfnOf) {
        return new Builder(pfnOf);
    }

    /** Describes a {@link PfnMapping}. */
    public static final class Builder {
        private final PfnOf pfnOf;
        private Allowed allowed;
        private Populate populate = Populate.ON_FAULT;
        private boolean faultHandler = true;
        private PgoffsOf pgoffsOf;

        private Builder(PfnOf pfnOf) {
            this.pfnOf = Objects.requireNonNull(pfnOf, "pfnOf");
        }

        /** The check made under the page table lock before any PTE is written. */
        public Builder allowed(Allowed allowed) {
            this.allowed = Objects.requireNonNull(allowed, "allowed");
            return this;
        }

        public Builder populate(Populate populate) {
            this.populate = Objects.requireNonNull(populate, "populate");
            return this;
        }

        /** No {@code ->fault}: a page not populated eagerly, or zapped since, raises SIGBUS. */
        public Builder noFaultHandler() {
            this.faultHandler = false;
            return this;
        }

        /**
         * The inverse of the mapping's {@link PfnOf}, which lets the rmap find the VMAs that can reach
         * a physical page in the interval tree; without it the rmap checks every VMA of the mapping.
         */
        public Builder pgoffsOf(PgoffsOf pgoffsOf) {
            this.pgoffsOf = Objects.requireNonNull(pgoffsOf, "pgoffsOf");
            return this;
        }

        public PfnMapping build() {
            return new PfnMapping(this);
        }
    }

    public Populate populate() {
        return populate;
    }

    /**
     * The mapping of every physical page to itself, as every view of iomem maps it ({@code vm_pgoff}
     * is the physical page: {@code mmap_mem}, {@code pci_mmap_resource_range}, {@code proc_bus_pci_mmap}):
     * the description the iomem mapping gives the rmap. Installs nothing itself.
     */
    public static PfnMapping identity() {
        return builder((vma, pgoff) -> pgoff).pgoffsOf((first, last, sink) -> sink.range(first, last)).build();
    }

    /** The physical page behind file page {@code pgoff} of {@code vma}, or {@link #NO_PFN}. */
    public long pfnOf(Vma vma, long pgoff) {
        return pfnOf.pfnOf(vma, pgoff);
    }

    /**
     * The file pages whose PFN may lie in {@code [firstPfn, lastPfn]}, by the driver's
     * {@link PgoffsOf}; without one, every file page ({@code [0, 2^63-1]}).
     */
    public void pgoffsOf(long firstPfn, long lastPfn, PgoffRanges sink) {
        if (pgoffsOf == null) {
            sink.range(0, Long.MAX_VALUE);
        } else {
            pgoffsOf.pgoffsOf(firstPfn, lastPfn, sink);
        }
    }

    /** {@code vmf_insert_pfn} of the faulting page, if it has one and it is allowed; SIGBUS otherwise. */
    @Override
    public FaultResult fault(VmFault vmf) {
        if (!faultHandler) {
            return FaultResult.SIGBUS;
        }
        long pfn = pfnOf.pfnOf(vmf.vma(), vmf.pgoff());
        if (pfn == NO_PFN) {
            return FaultResult.SIGBUS;
        }
        if (allowed == null) {
            return vmf.insertPfn(pfn);
        }
        if (!allowed.test(pfn, 1)) {
            return FaultResult.SIGBUS;
        }
        return vmf.insertPfnIf(pfn, () -> allowed.test(pfn, 1));
    }

    /** {@link Populate#AFTER_LINK}: {@code remap_pfn_range} of the whole VMA if allowed. Returns the PTEs installed. */
    @Override
    public long mapped(Vma vma) {
        if (populate != Populate.AFTER_LINK) {
            return 0;
        }
        long first = pfnOf.pfnOf(vma, vma.pgoff());
        if (first == NO_PFN) {
            return 0;
        }
        if (allowed == null) {
            return vma.mm().remapPfnRange(vma, 0, first, vma.pages());
        }
        if (!allowed.test(first, vma.pages())) {
            return 0;
        }
        return vma.mm().remapPfnRangeIf(vma, 0, first, vma.pages(), () -> allowed.test(first, vma.pages()));
    }

    /** {@code generic_access_phys}: ptrace through the present PTE. */
    @Override
    public Result<Long> access(Vma vma, long addr, long value, boolean write) {
        return VmOperations.genericAccessPhys(vma, addr, value, write);
    }
}
