package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.Pci;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.PhysicalMemory;
import io.revokefs.kernel.Vma;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A PCI bus in sysfs: devices with memory BARs, each BAR backed by MMIO in physical memory,
 * inserted in the iomem tree and exposed as {@code resourceN}; a {@code remove} attribute per
 * device; driver claims of a BAR's region.
 *
 * <p>Layout (paths inside sysfs; the kernel's are under {@value Sysfs#MOUNT}):
 * <pre>
 *   /devices/pci0000:00/&lt;bdf&gt;/resourceN   0600  mmap of BAR N, offset BAR-relative
 *   /devices/pci0000:00/&lt;bdf&gt;/resource    0444  one line per BAR: start end flags
 *   /devices/pci0000:00/&lt;bdf&gt;/remove      0200  write 1: hot-unplug the device
 *   /bus/pci/devices/&lt;bdf&gt;                 symlink to the device directory
 * </pre>
 * Every {@code resourceN} open uses the one iomem mapping as {@code f_mapping}, and its object's
 * revoke zaps {@code (iomem mapping, BAR first page, BAR pages)}: one zap reaches every view of the
 * BAR (sysfs, /dev/mem, /proc/bus/pci), whichever file mapped it.
 *
 * <p>Thread-safe.
 */
public final class PciBus {
    private static final Logger log = LoggerFactory.getLogger(PciBus.class);

    /** The host bridge's directory inside sysfs. */
    public static final String ROOT = "/devices/pci0000:00";
    /** The bus's device links inside sysfs. */
    public static final String BUS_DEVICES = "/bus/pci/devices";
    /** Where BARs without an address are placed: the first free page at or above 4 GiB. */
    public static final long DEFAULT_MMIO_BASE_PFN = 0x100000;
    /** The cause recorded when a device is removed. */
    public static final String HOT_UNPLUG = "hot-unplug";

    /** {@code IORESOURCE_MEM | IORESOURCE_SIZEALIGN}, as {@code resource} shows a memory BAR's flags. */
    private static final long MEM_FLAGS = 0x40200;

    private final Sysfs sysfs;
    private final Kernel kernel;
    private final Map<String, PciDevice> devices = new ConcurrentHashMap<>();
    /** Devices whose removal is under way: their address and pages are not free yet. */
    private final Map<String, PciDevice> removing = new ConcurrentHashMap<>();
    /** For this package's tests only: a planted bug run at the end of each resourceN ->mmap (R04). */
    private volatile Consumer<Vma> plantedMmap = v -> { };
    /** Where a second remover waits for the first to finish (R22). */
    private final WaitQueue removed = new WaitQueue("pci remove");

    /** A bus on {@code sysfs}; creates its directories. */
    public PciBus(Sysfs sysfs) {
        this.sysfs = Objects.requireNonNull(sysfs, "sysfs");
        this.kernel = sysfs.kernel();
        sysfs.mkdir(ROOT);
        sysfs.mkdir(BUS_DEVICES);
    }

    /**
     * Other views of the bus's devices, told when a device comes and goes: {@code /proc/bus/pci}
     * ({@code pci_proc_attach_device} from {@code pci_bus_add_device}, {@code pci_proc_detach_device}
     * from {@code pci_stop_bus_device}). Called outside the bus lock, after the device's sysfs files
     * exist and before its BARs leave physical memory.
     */
    public interface Listener {
        void added(PciDevice device);

        void removed(PciDevice device);
    }

    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Tests of this package: plants {@code bug} in the ->mmap of the resourceN files of devices added from now on. */
    void plantInResourceMmap(Consumer<Vma> bug) {
        this.plantedMmap = Objects.requireNonNull(bug, "bug");
    }

    /** Tells {@code listener} of every device added or removed from now on. */
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The kernel path of {@code resourceN}: {@code /sys/bus/pci/devices/<bdf>/resource<N>}. */
    public static String resourcePath(String bdf, int bar) {
        return Sysfs.MOUNT + BUS_DEVICES + "/" + bdf + "/resource" + bar;
    }

    /** The kernel path of the device's {@code remove} attribute. */
    public static String removePath(String bdf) {
        return Sysfs.MOUNT + BUS_DEVICES + "/" + bdf + "/remove";
    }

    /** The object id of {@code resourceN}: {@code sysfs:/devices/pci0000:00/<bdf>/resource<N>}. */
    public static String resourceObjectId(String bdf, int bar) {
        return Sysfs.OBJECT_PREFIX + ROOT + "/" + bdf + "/resource" + bar;
    }

    /** {@link #addDevice(String, PfnMapping.Populate, Pci.Bar...)} populating on fault. */
    public PciDevice addDevice(String bdf, Pci.Bar... bars) {
        return addDevice(bdf, PfnMapping.Populate.ON_FAULT, bars);
    }

    /**
     * Adds a device ({@code pci_device_add}, {@code pci_create_sysfs_dev_files}): each BAR becomes MMIO
     * in physical memory and a resource in the iomem tree, and gets its {@code resourceN} file.
     * Throws {@link IllegalArgumentException} naming the problem for a malformed or taken address, no
     * or duplicate BARs, or a BAR that overlaps memory already there; nothing is left behind then.
     */
    public PciDevice addDevice(String bdf, PfnMapping.Populate populate, Pci.Bar... bars) {
        Objects.requireNonNull(populate, "populate");
        checkBdf(bdf);
        if (bars.length == 0) {
            throw new IllegalArgumentException(bdf + ": a device needs at least one BAR");
        }
        Set<Integer> indices = new HashSet<>();
        for (Pci.Bar b : bars) {
            if (!indices.add(b.index())) {
                throw new IllegalArgumentException(bdf + ": BAR" + b.index() + " given twice");
            }
        }
        PciDevice added;
        synchronized (this) {
            if (devices.containsKey(bdf) || removing.containsKey(bdf)) {
                throw new IllegalArgumentException("PCI device " + bdf + " already exists");
            }
            List<Pci.Bar> placed = new ArrayList<>();
            List<PhysicalMemory.Region> regions = new ArrayList<>();
            List<Iomem.Resource> resources = new ArrayList<>();
            try {
                for (Pci.Bar b : bars) {
                    long first = b.isPlaced() ? b.firstPfn() : kernel.physicalMemory().findFree(b.pages(), DEFAULT_MMIO_BASE_PFN);
                    String owner = bdf + " BAR" + b.index();
                    regions.add(kernel.physicalMemory().addMmio(first, b.pages(), owner));
                    resources.add(kernel.iomem().insert(owner, first, b.pages()));
                    placed.add(Pci.Bar.at(b.index(), b.pages(), first));
                    if (!b.isPlaced()) {
                        log.info("{} BAR{}: placed at physical page 0x{} ({} pages)", bdf, b.index(), Long.toHexString(first), b.pages());
                    }
                }
            } catch (IllegalArgumentException e) {
                resources.forEach(kernel.iomem()::remove);
                regions.forEach(kernel.physicalMemory()::remove);
                throw new IllegalArgumentException(bdf + ": " + e.getMessage(), e);
            }
            PciDevice dev = new PciDevice(bdf, populate, placed, regions, resources);
            createFiles(dev);
            devices.put(bdf, dev);
            log.debug("added {}", dev);
            added = dev;
        }
        for (Listener l : listeners) {
            l.added(added);
        }
        return added;
    }

    private void createFiles(PciDevice dev) {
        String dir = dev.sysfsDir();
        sysfs.mkdir(dir);
        for (Pci.Bar b : dev.bars()) {
            sysfs.createBinFile(dir + "/resource" + b.index(), 0600, new PciResourceFile(kernel, dev.bdf(), b, dev.populate(), plantedMmap),
                    () -> {
                        // Before the iomem mapping is published nothing can map the BAR (R15).
                        AddressSpace m = kernel.iomemMapping();
                        return m == null ? null : new RevocableObject.ZapRange(m, b.firstPfn(), b.pages());
                    });
        }
        sysfs.createFile(dir + "/resource", 0444, new Attribute() {
            @Override
            public Result<String> show() {
                StringBuilder s = new StringBuilder();
                for (int i = 0; i <= 5; i++) {
                    Optional<Pci.Bar> b = dev.bar(i);
                    long start = b.map(x -> x.firstPfn() * Kernel.PAGE_SIZE).orElse(0L);
                    long end = b.map(x -> (x.firstPfn() + x.pages()) * Kernel.PAGE_SIZE - 1).orElse(0L);
                    s.append(String.format("0x%016x 0x%016x 0x%016x%n", start, end, b.isPresent() ? MEM_FLAGS : 0));
                }
                return Result.ok(s.toString());
            }
        });
        sysfs.createFile(dir + "/remove", 0200, new Attribute() {
            /** {@code remove_store}: a non-zero number removes the device, from inside this very write (R07). */
            @Override
            public Result<Void> store(SysfsFile self, String value) {
                long val;
                try {
                    val = Long.decode(value.trim());
                } catch (NumberFormatException e) {
                    return Result.err(Errno.EINVAL);
                }
                if (val != 0 && self.removeSelf()) {
                    removeDevice(dev);
                }
                return Result.ok();
            }
        });
        sysfs.symlink(BUS_DEVICES + "/" + dev.bdf(), dir);
    }

    /** The device at {@code bdf}, if present. */
    public Optional<PciDevice> device(String bdf) {
        return Optional.ofNullable(devices.get(bdf));
    }

    /** Present devices. */
    public List<PciDevice> devices() {
        return List.copyOf(devices.values());
    }

    /**
     * Hot-unplug ({@code pci_stop_and_remove_bus_device}): every file of the device leaves the
     * namespace and is revoked (cause {@value #HOT_UNPLUG}), which zaps every mapping of each BAR
     * through the iomem mapping; then the BARs leave the iomem tree (with any driver claim inside)
     * and physical memory. ENODEV when no such device is present, after waiting for a removal of it
     * already under way (R22). Blocks until done; must not be
     * called from inside an operation of one of the device's files (write its {@code remove} instead).
     */
    public Result<Void> remove(String bdf) {
        PciDevice dev = devices.get(bdf);
        if (dev == null) {
            // R22: a removal already under way is waited for, as pci_lock_rescan_remove makes the
            // kernel's second remover wait; then the device is gone.
            removed.waitEvent(() -> !removing.containsKey(bdf));
            return Result.err(Errno.ENODEV);
        }
        if (removeDevice(dev)) {
            return Result.ok();
        }
        removed.waitEvent(() -> !removing.containsKey(bdf));
        return Result.err(Errno.ENODEV);
    }

    /** Removes {@code dev} once; false if another caller removed it. */
    private boolean removeDevice(PciDevice dev) {
        // The bus lock is held only to move the device to "removing": the revokes below may wait for a
        // write to its remove attribute, which itself comes here.
        synchronized (this) {
            if (!devices.remove(dev.bdf(), dev)) {
                return false;
            }
            removing.put(dev.bdf(), dev);
        }
        try {
            for (Listener l : listeners) {
                l.removed(dev);
            }
            sysfs.removeLink(BUS_DEVICES + "/" + dev.bdf());
            sysfs.remove(dev.sysfsDir(), HOT_UNPLUG);
            dev.resources().forEach(kernel.iomem()::remove);
            dev.regions().forEach(kernel.physicalMemory()::remove);
            // The BARs' memory is gone. A /dev/mem fault that ran between the files' zap and now may
            // have refilled a PTE; zap the ranges once more through the iomem mapping (revoke_iomem),
            // after which /dev/mem faults there find no memory and install nothing.
            dev.resources().forEach(kernel::revokeIomem);
        } finally {
            removing.remove(dev.bdf());
            removed.wakeUp();
        }
        log.info("removed PCI device {}", dev.bdf());
        return true;
    }

    /**
     * A driver claims BAR {@code bar} of the device ({@code pci_request_region}, which is
     * {@code __request_region} and so {@code revoke_iomem}): every userspace mapping of the BAR's
     * pages, through every view, is zapped before this returns; from then on mmap of
     * {@code resourceN} is EINVAL, of /dev/mem EPERM, and faults in the range SIGBUS. The files
     * themselves are not revoked. ENODEV without the device, EINVAL without the BAR, EBUSY when
     * already claimed.
     */
    public Result<Iomem.Resource> claim(String bdf, int bar) {
        PciDevice dev = devices.get(bdf);
        if (dev == null) {
            return Result.err(Errno.ENODEV);
        }
        Optional<Pci.Bar> b = dev.bar(bar);
        if (b.isEmpty()) {
            return Result.err(Errno.EINVAL);
        }
        return kernel.iomem().requestRegion(bdf + " driver BAR" + bar, b.get().firstPfn(), b.get().pages(), false);
    }

    /** The driver lets go of a region it claimed ({@code pci_release_region}). */
    public void release(Iomem.Resource claim) {
        kernel.iomem().releaseRegion(claim);
    }

    private static void checkBdf(String bdf) {
        Pci.Address.parse(bdf);
    }
}
