package io.revokefs.vfio;

import io.revokefs.kernel.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Kernel;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.PciDevice;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The vfio-pci driver of one kernel (drivers/vfio/pci/vfio_pci.c and vfio_pci_core.c): binds PCI
 * devices of a {@link PciBus} and gives each a device file {@code /dev/vfio/devices/vfioN} (the
 * vfio cdev), a revocable object {@code vfio:/dev/vfio/devices/vfioN} of adapter {@value #ADAPTER}.
 * The device's sysfs {@code resourceN} files and its {@code /proc/bus/pci} entry stay.
 *
 * <p>When the bus removes a bound device (hot-unplug, {@code remove BDF}) the driver revokes its
 * object (cause {@value PciBus#HOT_UNPLUG}) before the BARs leave physical memory. Linux does not
 * revoke here: {@code vfio_pci_core_unregister_device} calls {@code vfio_unregister_group_dev}, which
 * waits until every user has closed the device, calling the driver's {@code ->request}
 * ({@code vfio_pci_core_request}: signal the request eventfd) while it waits (docs/vfio.md).
 *
 * <p>Thread-safe.
 */
public final class VfioPci {
    /** The adapter name in {@code ObjectRegistered}. */
    public static final String ADAPTER = "vfio";
    /** Where the device files are: {@code /dev/vfio/devices/vfioN}. */
    public static final String DEVICES = "/dev/vfio/devices/vfio";

    /**
     * The vfio column of docs/semantics.md section 4 (section 10): after the permanent revoke, open,
     * read, write, ioctl and mmap fail with ENODEV, so does the config-space write that would turn
     * memory on; a fault raises SIGBUS. These are the library's answers: Linux never revokes a vfio
     * device ({@code vfio_unregister_group_dev} waits for every user to close it, docs/vfio.md). The
     * device file has no {@code ->poll} and no {@code ->llseek} of its own ({@code vfio_device_fops}):
     * poll stays {@code DEFAULT_POLLMASK} ({@code vfs_poll}) and llseek is not guarded: a file without
     * {@code ->llseek} loses FMODE_LSEEK in {@code do_dentry_open}, so {@code vfs_llseek} answers
     * ESPIPE before and after the revoke. ptrace access: EINVAL (the library's default;
     * {@code vfio_pci_mmap_ops} has no {@code ->access}, so before revoke {@code __access_remote_vm}
     * copies nothing and the ptrace call fails with EIO).
     */
    public static final ErrnoTable ERRNOS = ErrnoTable.builder()
            .open(Errno.ENODEV).read(Errno.ENODEV).write(Errno.ENODEV).poll(PollBit.DEFAULT_POLLMASK)
            .ioctl(Errno.ENODEV).llseekUnguarded().mmap(Errno.ENODEV).access(Errno.EINVAL).build();

    /** How a device's BAR mappings get their PTEs, chosen per device (docs/semantics.md section 10). */
    public enum Populate {
        /**
         * Today's vfio-pci: a VMA starts empty; the fault takes {@code memory_lock} for reading,
         * checks memory is enabled and inserts the PFN under the page table lock
         * ({@code vfio_pci_mmap_huge_fault}).
         */
        ON_FAULT,
        /**
         * The 2024 proposal: each VMA is populated right after it is linked, and again each time
         * memory comes back on (walk {@code i_mmap}; per VMA {@code mmap_lock}, then
         * {@code memory_lock} for reading, re-check, remap). The fault handler only raises SIGBUS.
         */
        EAGER;

        /** {@code fault} or {@code eager}, as the scenario language writes it. */
        public String scenarioName() {
            return this == ON_FAULT ? "fault" : "eager";
        }

        /** The strategy named {@code fault} or {@code eager}. */
        public static Optional<Populate> ofScenarioName(String name) {
            for (Populate p : values()) {
                if (p.scenarioName().equals(name)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    private final Kernel kernel;
    private final PciBus bus;
    private final Map<String, VfioDevice> bound = new TreeMap<>();
    private int nextMinor;

    /** The driver on {@code bus} of {@code kernel}; it revokes a bound device when the bus removes it. */
    public VfioPci(Kernel kernel, PciBus bus) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.bus = Objects.requireNonNull(bus, "bus");
        bus.addListener(new PciBus.Listener() {
            @Override
            public void added(PciDevice device) {
            }

            @Override
            public void removed(PciDevice device) {
                VfioDevice d;
                synchronized (VfioPci.this) {
                    d = bound.remove(device.bdf());
                }
                if (d != null) {
                    d.unplug();
                }
            }
        });
    }

    public Kernel kernel() {
        return kernel;
    }

    PciBus bus() {
        return bus;
    }

    /**
     * Binds the PCI device at {@code bdf} to vfio-pci ({@code vfio_pci_probe},
     * {@code vfio_pci_core_register_device}) and creates {@code /dev/vfio/devices/vfioN} with the
     * lowest free N. Memory decoding starts enabled (PCI_COMMAND's memory bit set, as after
     * {@code pci_enable_device}). ENODEV without such a device, EBUSY when it is already bound.
     */
    public Result<VfioDevice> bind(String bdf, Populate populate) {
        Objects.requireNonNull(populate, "populate");
        Optional<PciDevice> dev = bus.device(bdf);
        if (dev.isEmpty()) {
            return Result.err(Errno.ENODEV);
        }
        synchronized (this) {
            if (bound.containsKey(bdf)) {
                return Result.err(Errno.EBUSY);
            }
            VfioDevice d = new VfioDevice(this, dev.get(), nextMinor++, populate);
            bound.put(bdf, d);
            return Result.ok(d);
        }
    }

    /** The device bound at {@code bdf}, if any (a removed device is no longer bound). */
    public synchronized Optional<VfioDevice> device(String bdf) {
        return Optional.ofNullable(bound.get(bdf));
    }
}
