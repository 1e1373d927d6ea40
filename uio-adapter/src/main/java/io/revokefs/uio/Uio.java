package io.revokefs.uio;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.PhysicalMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The uio core of one kernel (drivers/uio/uio.c): registers devices as {@code /dev/uioN} and
 * unregisters them. Each device is a revocable object (id {@code uio:/dev/uioN}, adapter
 * {@code uio}); {@link UioDevice#unregister()} revokes it.
 *
 * <p>Thread-safe.
 */
public final class Uio {
    /** The adapter name in {@code ObjectRegistered}. */
    public static final String ADAPTER = "uio";
    /** The revoke cause of {@code uio_unregister_device}. */
    public static final String CAUSE = "unregister";
    /** Where map memory is placed in physical memory when the driver does not say (the first free range above). */
    static final long MAP_BASE_PFN = 0x100000;

    /**
     * The uio column of docs/semantics.md section 4, after {@code uio_unregister_device} has cleared
     * {@code idev->info}:
     * <ul>
     *   <li>open ENODEV: {@code uio_open} finds no device for the minor;</li>
     *   <li>read EIO: {@code uio_read}'s {@code if (!idev->info || !idev->info->irq) retval = -EIO};</li>
     *   <li>write EINVAL: {@code uio_write}'s {@code if (!idev->info) { retval = -EINVAL; ... }}, tested
     *       before the {@code !idev->info->irq} test that gives EIO;</li>
     *   <li>poll {@code EPOLLERR} alone, no {@code DEFAULT_POLLMASK} bits: {@code uio_poll}'s
     *       {@code if (!idev->info || !idev->info->irq) ret = EPOLLERR; ... if (ret) return ret;}
     *       (commit "uio: Fix wrong return value from uio_poll", which replaced {@code -EIO});</li>
     *   <li>ioctl and llseek not guarded: uio has no ioctl (ENOTTY from {@code vfs_ioctl}), llseek is
     *       {@code noop_llseek};</li>
     *   <li>mmap EINVAL: {@code uio_mmap}'s {@code if (!idev->info) ret = -EINVAL};</li>
     *   <li>the vm {@code ->access} op EINVAL, as {@code kernfs_vma_access} answers (Linux's uio does
     *       not wrap it: its physical maps keep {@code generic_access_phys}); the ptrace or
     *       /proc/pid/mem call sees EIO ({@code generic_ptrace_peekdata}, {@code mem_rw}).</li>
     * </ul>
     */
    public static final ErrnoTable ERRNOS = ErrnoTable.UIO;

    private final Kernel kernel;
    private final Map<Integer, UioDevice> minors = new TreeMap<>();

    public Uio(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    public Kernel kernel() {
        return kernel;
    }

    /**
     * {@code uio_register_device}: takes the lowest free minor, allocates each map's memory (RAM for
     * logical and virtual maps, MMIO for physical ones) at the first free physical range, registers
     * the object and binds {@code /dev/uioN} (mode 0600).
     */
    public UioDevice register(UioInfo info) {
        Objects.requireNonNull(info, "info");
        PhysicalMemory phys = kernel.physicalMemory();
        List<PhysicalMemory.Region> regions = new ArrayList<>();
        synchronized (phys) { // findFree then add, atomically with respect to other allocations
            for (int i = 0; i < info.mem().size(); i++) {
                UioMem m = info.mem().get(i);
                long first = phys.findFree(m.pages(), MAP_BASE_PFN);
                regions.add(m.type() == UioMem.Type.PHYS
                        ? phys.addMmio(first, m.pages(), info.name() + " map" + i)
                        : phys.addRam(first, m.pages()));
            }
        }
        synchronized (this) {
            int minor = 0;
            while (minors.containsKey(minor)) {
                minor++;
            }
            UioDevice dev = new UioDevice(this, minor, info, regions);
            minors.put(minor, dev);
            return dev;
        }
    }

    /** The registered device with this minor, or null. */
    public synchronized UioDevice device(int minor) {
        return minors.get(minor);
    }

    /** {@code uio_free_minor}. */
    synchronized void freeMinor(UioDevice dev) {
        minors.remove(dev.minor(), dev);
    }
}
