package io.revokefs.devmem;

import io.revokefs.core.kernel.PfnMapping;
import io.revokefs.core.Errno;
import io.revokefs.core.Result;
import io.revokefs.core.kernel.Capability;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Vma;
import io.revokefs.core.kernel.VmaFlag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of /dev/mem: {@code mem_fops} and {@code mmap_mem_ops}. Only what the device does; the
 * guard, the wrapping and the zaps are revoke-core's.
 */
final class MemDriver implements FileOperations {
    private static final Logger log = LoggerFactory.getLogger(MemDriver.class);

    private final Kernel kernel;
    /**
     * {@code mmap_mem_ops} ({@code generic_access_phys}) plus the population the library adds. Each
     * page is checked under the page table lock, so a claim that lands between the check and the
     * insert is either seen or zaps the new PTE. The page must also still exist: after a hot-unplug
     * the BAR's memory is gone, and a PTE to it would outlive the device (Linux's /dev/mem has no
     * fault handler, {@code mmap_mem_ops} having only {@code access}, so it never refills).
     */
    private final PfnMapping vmOps;

    MemDriver(Kernel kernel, PfnMapping.Populate populate) {
        this.kernel = kernel;
        this.vmOps = PfnMapping.builder((vma, pgoff) -> pgoff)
                .allowed((firstPfn, pages) -> rangeIsAllowed(firstPfn, pages) && backed(firstPfn, pages))
                .populate(populate)
                .build();
    }

    /** {@code open_port}: CAP_SYS_RAWIO, then {@code filp->f_mapping = iomem_get_mapping()}. */
    @Override
    public Result<Void> open(OpenFile file) {
        if (!file.opener().capable(Capability.CAP_SYS_RAWIO)) {
            return Result.err(Errno.EPERM);
        }
        file.setMapping(kernel.iomemGetMapping());
        return Result.ok();
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    /**
     * {@code mmap_mem}: {@code vm_pgoff} is already the physical page; EPERM unless
     * {@code range_is_allowed}. Populates nothing here (see {@link PfnMapping.Populate}).
     */
    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        if (!rangeIsAllowed(vma.pgoff(), vma.pages())) {
            log.debug("/dev/mem: refusing mmap of pages 0x{}+{}: RAM or claimed by a driver",
                    Long.toHexString(vma.pgoff()), vma.pages());
            return Result.err(Errno.EPERM);
        }
        vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO, VmaFlag.DONTEXPAND);
        vma.setVmOps(vmOps);
        return Result.ok();
    }

    /**
     * {@code range_is_allowed} with {@code devmem_is_allowed} under {@code STRICT_DEVMEM} and
     * {@code IO_STRICT_DEVMEM}: no page may be RAM or inside a region a driver has claimed
     * ({@code iomem_is_exclusive}, which under IO_STRICT_DEVMEM means any busy region). The x86
     * exception for the first megabyte is not modelled.
     */
    private boolean rangeIsAllowed(long firstPfn, long pages) {
        return !kernel.physicalMemory().intersectsRam(firstPfn, pages) && !kernel.iomem().isBusy(firstPfn, pages);
    }

    /** Whether every page of the range has memory behind it (a removed BAR's pages do not). */
    private boolean backed(long firstPfn, long pages) {
        for (long pfn = firstPfn; pfn < firstPfn + pages; pfn++) {
            if (kernel.physicalMemory().regionOf(pfn) == null) {
                return false;
            }
        }
        return true;
    }
}
