package io.revokefs.core.testing;

import io.revokefs.kernel.Result;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;

/**
 * Planted bugs: the naive ways Linux drivers do things, kept out of the production strategies
 * ({@link io.revokefs.kernel.PfnMapping.Populate} has only the correct ones) so that tests and
 * the explorer can show each race the library closes. Each is a control: a test that uses one
 * must see the race happen. Not for use in a driver.
 */
public final class Planted {
    private Planted() {
    }

    /**
     * docs/races.md R04, what Linux's {@code pci_mmap_resource_range} and {@code mmap_mem} do with
     * {@code io_remap_pfn_range}: populates {@code vma} now, inside {@code ->mmap}, before the VMA is
     * linked into {@code i_mmap}, so a zap running between {@code ->mmap} and the link misses these
     * PTEs. Call from a driver's {@code ->mmap} after it set eagerly populating vm_ops (a
     * {@code PfnMapping} with {@code AFTER_LINK}); the VMA is left with no fault handler and no later
     * population, as in Linux ({@code pci_phys_vm_ops}): once zapped it stays SIGBUS.
     */
    public static void populateInsideMmap(Vma vma) {
        VmOperations eager = vma.vmOps();
        eager.mapped(vma);
        vma.setVmOps(new VmOperations() {
            @Override
            public Result<Long> access(Vma v, long addr, long value, boolean write) {
                return eager.access(v, addr, value, write);
            }
        });
    }
}
