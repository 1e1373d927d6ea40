package io.revokefs.sysfs;

import io.revokefs.core.kernel.Pci;
import io.revokefs.core.Errno;
import io.revokefs.core.Result;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PfnMapping;
import io.revokefs.core.kernel.Vma;
import io.revokefs.core.kernel.VmaFlag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The {@code resourceN} binary attribute of one memory BAR ({@code pci_create_attr} with
 * {@code pci_mmap_resource_uc}, and {@code f_mapping = iomem_get_mapping}). The mmap offset is
 * BAR-relative; {@code ->mmap} rebases {@code vm_pgoff} to the physical page as
 * {@code pci_mmap_resource_range} does, so the VMA sits in the iomem mapping's {@code i_mmap} next
 * to the /dev/mem and /proc/bus/pci mappings of the same pages.
 */
final class PciResourceFile implements BinAttribute {
    private static final Logger log = LoggerFactory.getLogger(PciResourceFile.class);

    private final Kernel kernel;
    private final String bdf;
    private final Pci.Bar bar;
    /**
     * {@code pci_phys_vm_ops} ({@code generic_access_phys}) plus the library's population: SIGBUS
     * outside the BAR or while a driver holds the region, checked under the page table lock so a
     * claim racing the population cannot leave a PTE behind.
     */
    private final PfnMapping vmOps;

    /**
     * Nothing, except in tests of this package that plant Linux's population inside {@code ->mmap}
     * ({@code io_remap_pfn_range} in {@code pci_mmap_resource_range})
     * (revoke-testing's {@code Planted.populateInsideMmap}) to show docs/races.md R04.
     */
    private final Consumer<Vma> plantedMmap;

    PciResourceFile(Kernel kernel, String bdf, Pci.Bar bar, PfnMapping.Populate populate, Consumer<Vma> plantedMmap) {
        this.plantedMmap = plantedMmap;
        this.kernel = kernel;
        this.bdf = bdf;
        this.bar = bar;
        this.vmOps = PfnMapping.builder((vma, pgoff) -> inBar(pgoff) ? pgoff : PfnMapping.NO_PFN)
                .allowed((firstPfn, pages) -> !kernel.iomem().isBusy(firstPfn, pages))
                .populate(populate)
                .build();
    }

    @Override
    public AddressSpace fMapping() {
        return kernel.iomemGetMapping();
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    /**
     * {@code pci_mmap_resource}: EINVAL once a driver has claimed the BAR ({@code iomem_is_exclusive}
     * on its first page, which under IO_STRICT_DEVMEM means any busy region) or when the range does
     * not fit in the BAR ({@code pci_mmap_fits}); then {@code vm_pgoff += BAR start}.
     */
    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        if (kernel.iomem().isBusy(bar.firstPfn(), 1)) {
            log.debug("{} BAR{}: refusing mmap: the region is claimed by a driver", bdf, bar.index());
            return Result.err(Errno.EINVAL);
        }
        if (vma.pgoff() >= bar.pages() || vma.pgoff() + vma.pages() > bar.pages()) {
            log.info("pid {} tried to map {} pages at page 0x{} on {} BAR {} ({} pages)", vma.mm().owner().pid(),
                    vma.pages(), Long.toHexString(vma.pgoff()), bdf, bar.index(), bar.pages());
            return Result.err(Errno.EINVAL);
        }
        vma.setPgoff(vma.pgoff() + bar.firstPfn());
        vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO, VmaFlag.DONTEXPAND);
        vma.setVmOps(vmOps);
        plantedMmap.accept(vma);
        return Result.ok();
    }

    private boolean inBar(long pfn) {
        return pfn >= bar.firstPfn() && pfn < bar.firstPfn() + bar.pages();
    }
}
