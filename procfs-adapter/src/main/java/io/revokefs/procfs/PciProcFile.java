package io.revokefs.procfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Capability;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Pci;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmaFlag;

import java.util.Arrays;

/**
 * The {@code proc_ops} of a {@code /proc/bus/pci/BB/DD.F} file ({@code proc_bus_pci_ops}), for an
 * x86 kernel: {@code arch_can_pci_mmap_io()} is false, so only memory BARs can be mapped, after
 * {@code ioctl(PCIIOC_MMAP_IS_MEM)}.
 */
final class PciProcFile implements FileOperations {
    /** Conventional config space ({@code dev->cfg_size} without extended capabilities). */
    static final int CFG_SIZE = 256;
    private static final int BAR_REGISTERS = 0x10;

    /** {@code struct pci_filp_private}. */
    private static final class FilePrivate {
        volatile boolean mmapMem;
        volatile boolean writeCombine;
    }

    /**
     * {@code pci_phys_vm_ops}: {@code .access = generic_access_phys}, no fault handler. The PTEs are
     * installed after the VMA is linked, checked under the page table lock (a claim racing the
     * population either is seen or zaps it), not inside {@code ->mmap} as {@code io_remap_pfn_range}
     * does in Linux (R04). {@code vm_pgoff} is the physical page.
     */
    private final PfnMapping pciPhysVmOps;

    private final ProcBusPci.PciFunction fn;
    private final byte[] config = new byte[CFG_SIZE];

    PciProcFile(Kernel kernel, ProcBusPci.PciFunction fn) {
        this.fn = fn;
        this.pciPhysVmOps = PfnMapping.builder((vma, pgoff) -> pgoff)
                .allowed((firstPfn, pages) -> !kernel.iomem().isBusy(firstPfn, pages))
                .populate(PfnMapping.Populate.AFTER_LINK)
                .noFaultHandler()
                .build();
        for (Pci.Bar b : fn.bars()) {
            long addr = b.firstPfn() * Kernel.PAGE_SIZE;
            for (int i = 0; i < 4; i++) {
                config[BAR_REGISTERS + 4 * b.index() + i] = (byte) (addr >>> (8 * i));
            }
        }
    }

    /** {@code proc_bus_pci_open}: private state, and {@code f_mapping = iomem_get_mapping()}. */
    @Override
    public Result<Void> open(OpenFile file) {
        file.setPrivateData(new FilePrivate());
        file.setMapping(file.opener().kernel().iomemGetMapping());
        return Result.ok();
    }

    /** {@code proc_bus_pci_read}: config space from the file position, up to its size. */
    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        if (count < 0) {
            return Result.err(Errno.EINVAL);
        }
        long pos = file.position();
        if (pos >= CFG_SIZE) {
            return Result.ok(new byte[0]);
        }
        int n = (int) Math.min(count, CFG_SIZE - pos);
        byte[] out;
        synchronized (config) {
            out = Arrays.copyOfRange(config, (int) pos, (int) pos + n);
        }
        file.setPosition(pos + n);
        return Result.ok(out);
    }

    /** {@code proc_bus_pci_write}: config space from the file position, up to its size. */
    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        long pos = file.position();
        if (pos >= CFG_SIZE) {
            return Result.ok(0);
        }
        int n = (int) Math.min(data.length, CFG_SIZE - pos);
        synchronized (config) {
            System.arraycopy(data, 0, config, (int) pos, n);
        }
        file.setPosition(pos + n);
        return Result.ok(n);
    }

    /** {@code proc_bus_pci_lseek}: {@code fixed_size_llseek} over the config space size. */
    @Override
    public Result<Long> llseek(OpenFile file, long offset, int whence) {
        long base = switch (whence) {
            case 0 -> 0;
            case 1 -> file.position();
            case 2 -> CFG_SIZE;
            default -> -1;
        };
        long pos = base + offset;
        if (base < 0 || pos < 0 || pos > CFG_SIZE) {
            return Result.err(Errno.EINVAL);
        }
        file.setPosition(pos);
        return Result.ok(pos);
    }

    /** {@code proc_bus_pci_ioctl}. */
    @Override
    public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
        FilePrivate fp = (FilePrivate) file.privateData();
        switch (cmd) {
            case Pci.PCIIOC_CONTROLLER:
                return Result.ok(0L);
            case Pci.PCIIOC_MMAP_IS_IO:
                return Result.err(Errno.EINVAL); // !arch_can_pci_mmap_io() on x86
            case Pci.PCIIOC_MMAP_IS_MEM:
                fp.mmapMem = true;
                return Result.ok(0L);
            case Pci.PCIIOC_WRITE_COMBINE:
                fp.writeCombine = arg != 0;
                return Result.ok(0L);
            default:
                return Result.err(Errno.EINVAL);
        }
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    /**
     * {@code proc_bus_pci_mmap}: EPERM without CAP_SYS_RAWIO; EINVAL in I/O state (x86); ENODEV unless
     * {@code [vm_pgoff, vm_pgoff + pages)} lies inside one memory BAR ({@code pci_mmap_fits} with
     * {@code PCI_MMAP_PROCFS}: {@code vm_pgoff} is a physical page). {@code vm_pgoff} stays physical,
     * so the VMA sits in the iomem mapping at the pages it maps.
     */
    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        if (!vma.mm().owner().capable(Capability.CAP_SYS_RAWIO)) {
            return Result.err(Errno.EPERM);
        }
        FilePrivate fp = (FilePrivate) file.privateData();
        if (!fp.mmapMem) {
            return Result.err(Errno.EINVAL);
        }
        var bar = fn.bars().stream().filter(b -> b.covers(vma.pgoff(), vma.pages())).findFirst();
        if (bar.isEmpty()) {
            return Result.err(Errno.ENODEV);
        }
        // iomem_is_exclusive(dev->resource[i].start): with IO_STRICT_DEVMEM, which the simulation
        // models, a BAR a driver has claimed cannot be mapped from userspace.
        if (vma.mm().owner().kernel().iomem().isBusy(bar.get().firstPfn(), 1)) {
            return Result.err(Errno.EINVAL);
        }
        vma.addFlags(VmaFlag.IO, VmaFlag.PFNMAP, VmaFlag.DONTEXPAND);
        vma.setVmOps(pciPhysVmOps);
        return Result.ok();
    }

    @Override
    public void release(OpenFile file) {
        file.setPrivateData(null); // kfree(file->private_data)
    }
}
