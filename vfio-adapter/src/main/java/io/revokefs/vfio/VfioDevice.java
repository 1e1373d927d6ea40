package io.revokefs.vfio;

import io.revokefs.kernel.Pci;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.DriverRwsem;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.VmFault;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.Vma;
import io.revokefs.kernel.VmaFlag;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.PciDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A PCI device bound to vfio-pci ({@code struct vfio_pci_core_device}): its device file
 * {@code /dev/vfio/devices/vfioN}, its revocable object, the virtual PCI_COMMAND register and
 * {@code memory_lock}.
 *
 * <h2>Regions</h2>
 * The file's offset space is cut into regions by its top bits ({@code VFIO_PCI_OFFSET_SHIFT} = 40):
 * BAR0..BAR5 are regions 0..5, the ROM 6, config space 7 ({@link #regionOffset}). An mmap of BAR N
 * at page {@code k} of the BAR has {@code vm_pgoff = (N << 28) + k} and keeps it
 * ({@code vfio_pci_core_mmap}; the PFN is computed at fault time by {@code vma_to_pfn}); every mapping
 * lives in the device's own {@code address_space} ({@code core_vdev->inode->i_mapping}), not in
 * iomem's. The first mmap, read or write of a BAR requests its region
 * ({@code pci_request_selected_regions}, kept in {@code barmap}), which under IO_STRICT_DEVMEM is a
 * claim: {@code revoke_iomem} zaps the BAR's /dev/mem, sysfs {@code resourceN} and /proc/bus/pci
 * mappings, and later mmaps through those views are refused. The claims are released at the last
 * close ({@code vfio_pci_core_disable}).
 *
 * <h2>Temporary revoke: memory off, reset</h2>
 * A config-space write to PCI_COMMAND ({@code vfio_basic_config_write}) that clears the memory bit
 * takes {@code memory_lock} for writing, clears the bit and zaps every BAR mapping
 * ({@code vfio_pci_zap_and_down_write_memory_lock}, {@code vfio_pci_zap_bars}: one
 * {@code unmap_mapping_range} over regions 0..5); {@code VFIO_DEVICE_RESET}
 * ({@code vfio_pci_ioctl_reset}) does the same, resets the function and restores the command
 * register ({@code pci_try_reset_function} saves and restores config space). While memory is off a
 * fault raises SIGBUS and a BAR read or write returns EIO ({@code vfio_pci_core_do_io_rw}'s
 * {@code test_mem}). Each change of the memory state is recorded as {@code MemoryToggled}, the zap
 * as a {@code MappingsZapped} outside any revoke.
 *
 * <h2>Bringing mappings back: two strategies ({@link VfioPci.Populate})</h2>
 * On fault: {@code memory_lock} for reading, then the core's {@link PfnMapping}: check,
 * {@code vmf_insert_pfn} with the check repeated under the page table lock. Eager: after each mmap's link and after each enable, the library's walk
 * of {@code i_mmap} ({@link RevocableObject#repopulateMappings()}: per VMA its {@code mmap_lock}), then
 * {@code memory_lock} for reading, re-check, {@code remap_pfn_range} under the page table lock
 * ({@link PfnMapping#mapped}); the fault handler only raises SIGBUS. Lock order on every path: {@code mmap_lock} ->
 * {@code memory_lock} -> {@code i_mmap_rwsem} -> page table lock.
 *
 * <h2>Permanent revoke</h2>
 * Hot-unplug revokes the object ({@link #unplug()}); afterwards open, read, write (memory on
 * included), ioctl and mmap fail with ENODEV and faults raise SIGBUS. A reset or a memory write racing
 * the unplug never repopulates after it (R30): every population runs inside the object's guard.
 *
 * <p>Thread-safe.
 */
public final class VfioDevice {
    private static final Logger log = LoggerFactory.getLogger(VfioDevice.class);

    /** {@code VFIO_PCI_OFFSET_SHIFT}: the region index is above the low 40 bits of the file offset. */
    public static final int OFFSET_SHIFT = 40;
    /** The same in pages: the region index is above the low 28 bits of {@code vm_pgoff}. */
    static final int PGOFF_SHIFT = OFFSET_SHIFT - 12;
    private static final long OFFSET_MASK = (1L << OFFSET_SHIFT) - 1;
    private static final long PGOFF_MASK = (1L << PGOFF_SHIFT) - 1;
    /** {@code VFIO_PCI_ROM_REGION_INDEX}: regions below it are BARs. */
    public static final int ROM_REGION_INDEX = 6;
    /** {@code VFIO_PCI_CONFIG_REGION_INDEX}. */
    public static final int CONFIG_REGION_INDEX = 7;
    /** {@code VFIO_PCI_NUM_REGIONS}. */
    public static final int NUM_REGIONS = 9;
    /** {@code PCI_COMMAND}: the command register's offset in config space. */
    public static final int PCI_COMMAND = 0x04;
    /** {@code PCI_COMMAND_MEMORY}: the memory-space enable bit. */
    public static final int PCI_COMMAND_MEMORY = 0x2;
    /** {@code VFIO_DEVICE_GET_INFO}: {@code _IO(VFIO_TYPE, VFIO_BASE + 7)}. */
    public static final int VFIO_DEVICE_GET_INFO = (';' << 8) | (100 + 7);
    /** {@code VFIO_DEVICE_RESET}: {@code _IO(VFIO_TYPE, VFIO_BASE + 11)} = {@code _IO(';', 111)}. */
    public static final int VFIO_DEVICE_RESET = (';' << 8) | (100 + 11);
    /** The {@code cause} of a {@code MemoryToggled} from a config-space write. */
    public static final String CAUSE_CONFIG_WRITE = "config-write";
    /** The {@code cause} of a {@code MemoryToggled} from {@code VFIO_DEVICE_RESET}. */
    public static final String CAUSE_RESET = "reset";

    /**
     * Planted bugs, for the explorer's controls only (package-private; tests set them). Each is a
     * real way to get vfio wrong, and each must be caught.
     */
    enum Naive {
        NONE,
        /** Eager remap on enable while still holding {@code memory_lock}: takes {@code mmap_lock} under it. */
        REMAP_UNDER_MEMORY_LOCK,
        /** The fault checks the memory bit without {@code memory_lock} and then inserts unchecked. */
        CHECK_OUTSIDE_LOCKS,
        /** Eager population inside {@code ->mmap}, before the VMA is linked (R04). */
        POPULATE_INSIDE_MMAP
    }

    private final VfioPci driver;
    private final PciDevice pci;
    private final int minor;
    private final String path;
    private final VfioPci.Populate populate;
    private final RevocableObject object;
    private final Inode inode;
    /** {@code vdev->memory_lock}. */
    private final DriverRwsem memoryLock;
    /**
     * The virtual PCI_COMMAND ({@code vdev->vconfig[PCI_COMMAND]}), which
     * {@code __vfio_pci_memory_enabled} reads. Written with {@code memory_lock} held for writing; read
     * under {@code memory_lock} or under the page table lock (volatile for the latter).
     */
    private volatile int command = PCI_COMMAND_MEMORY;
    /** {@code vdev->barmap}: the claim of each BAR's region, made at its first use. */
    private final AtomicReferenceArray<Iomem.Resource> barmap = new AtomicReferenceArray<>(ROM_REGION_INDEX);
    private int openFiles;
    private volatile Naive naive = Naive.NONE;
    /** The first physical page of each BAR (-1: no such BAR), for {@link #pfnOf} on the fault path. */
    private final long[] barFirstPfn = new long[ROM_REGION_INDEX];
    /**
     * The core's one way of installing PTEs for this device's BARs: {@link #pfnOf} ({@code vma_to_pfn})
     * and {@link #mappable()} checked under the page table lock; one per strategy. The driver's vm_ops below take {@code memory_lock} around it.
     */
    private final PfnMapping onFault;
    private final PfnMapping eager;

    VfioDevice(VfioPci driver, PciDevice pci, int minor, VfioPci.Populate populate) {
        this.driver = driver;
        this.pci = pci;
        this.minor = minor;
        this.populate = populate;
        this.path = VfioPci.DEVICES + minor;
        this.memoryLock = DriverRwsem.memoryLock("memory_lock(" + pci.bdf() + ")");
        for (int i = 0; i < ROM_REGION_INDEX; i++) {
            barFirstPfn[i] = pci.bar(i).map(Pci.Bar::firstPfn).orElse(-1L);
        }
        PfnMapping.Allowed allowed = (firstPfn, n) -> mappable();
        this.onFault = PfnMapping.builder(this::pfnOf).allowed(allowed).pgoffsOf(this::pgoffsOf)
                .populate(PfnMapping.Populate.ON_FAULT).build();
        this.eager = PfnMapping.builder(this::pfnOf).allowed(allowed).pgoffsOf(this::pgoffsOf)
                .populate(PfnMapping.Populate.AFTER_LINK).build();
        var kernel = driver.kernel();
        this.object = RevocableObject.builder(kernel, VfioPci.ADAPTER + ":" + path, VfioPci.ADAPTER)
                .operations(new DeviceOps())
                .errnos(VfioPci.ERRNOS)
                // vfio_pci_zap_bars: BAR0 to the ROM region, in the device's own mapping.
                .zapRange(() -> new RevocableObject.ZapRange(objectMapping(), 0, (long) ROM_REGION_INDEX << PGOFF_SHIFT))
                .register();
        object.mapping().setPfnMapping(onFault); // for the rmap: what this device's mapping installs
        this.inode = kernel.newInode(path, 0600, 0, object.fileOperations(), object.mapping(), this);
        kernel.bind(path, inode);
        log.debug("vfio-pci: {} bound as {} ({} population)", pci.bdf(), path, populate.scenarioName());
    }

    private io.revokefs.kernel.AddressSpace objectMapping() {
        return object.mapping();
    }

    /** The file offset of byte {@code offset} of region {@code index}: {@code VFIO_PCI_INDEX_TO_OFFSET(index) + offset}. */
    public static long regionOffset(int index, long offset) {
        return ((long) index << OFFSET_SHIFT) + offset;
    }

    /** The {@code vm_pgoff} of an mmap of page {@code page} of region {@code index}. */
    public static long regionPgoff(int index, long page) {
        return ((long) index << PGOFF_SHIFT) + page;
    }

    public String bdf() {
        return pci.bdf();
    }

    public int minor() {
        return minor;
    }

    /** {@code /dev/vfio/devices/vfioN}. */
    public String path() {
        return path;
    }

    /** The revocable object ({@code vfio:/dev/vfio/devices/vfioN}). */
    public RevocableObject object() {
        return object;
    }

    /** The device file's inode (its {@code i_mapping} is the object's mapping). */
    public Inode inode() {
        return inode;
    }

    public VfioPci.Populate populate() {
        return populate;
    }

    /** {@code __vfio_pci_memory_enabled}: the memory bit of the virtual command register. */
    public boolean isMemoryEnabled() {
        return (command & PCI_COMMAND_MEMORY) != 0;
    }

    /** {@code memory_lock}, for tests that hold it. */
    DriverRwsem memoryLock() {
        return memoryLock;
    }

    void plant(Naive bug) {
        this.naive = bug;
    }

    // ---------------------------------------------------------------- what userspace does

    /**
     * {@code mmap(2)} of {@code pages} pages of region {@code region} (a BAR), from page {@code offset}
     * of the region: the offset is {@link #regionOffset}, shared and writable.
     */
    public static Result<Vma> mmap(Process p, OpenFile f, int region, long pages, long offset) {
        return p.mmap(f, pages, regionPgoff(region, offset), true);
    }

    /**
     * A config-space write of PCI_COMMAND with the memory bit set or cleared ({@code pwrite} of two
     * bytes at {@code regionOffset(CONFIG_REGION_INDEX, PCI_COMMAND)}); what {@code pX memory F on|off}
     * does. The file position is left as it was (set for the call and put back: one thread per file).
     */
    public static Result<Integer> writeMemoryBit(Process p, OpenFile f, boolean on) {
        int cmd = on ? PCI_COMMAND_MEMORY : 0;
        return pwrite(p, f, regionOffset(CONFIG_REGION_INDEX, PCI_COMMAND), new byte[] {(byte) cmd, (byte) (cmd >> 8)});
    }

    /** {@code ioctl(fd, VFIO_DEVICE_RESET)}. */
    public static Result<Long> reset(Process p, OpenFile f) {
        return p.ioctl(f, VFIO_DEVICE_RESET, 0);
    }

    /** {@code pread(2)} of {@code count} bytes at byte {@code offset} of BAR {@code bar}; the position is put back. One thread per file. */
    public static Result<byte[]> readBar(Process p, OpenFile f, int bar, long offset, int count) {
        long pos = f.position();
        f.setPosition(regionOffset(bar, offset));
        try {
            return p.read(f, count);
        } finally {
            f.setPosition(pos);
        }
    }

    /** {@code pwrite(2)} of {@code data} at byte {@code offset} of BAR {@code bar}. One thread per file. */
    public static Result<Integer> writeBar(Process p, OpenFile f, int bar, long offset, byte[] data) {
        return pwrite(p, f, regionOffset(bar, offset), data);
    }

    /** {@code pwrite(2)}: a write at {@code offset} that leaves the file position where it was. */
    private static Result<Integer> pwrite(Process p, OpenFile f, long offset, byte[] data) {
        long pos = f.position();
        f.setPosition(offset);
        try {
            return p.write(f, data);
        } finally {
            f.setPosition(pos);
        }
    }

    // ---------------------------------------------------------------- permanent revoke

    /**
     * Hot-unplug of the device (the bus removes it): nothing may be mapped from now on, the device
     * file's name goes away and the object is revoked (cause {@value PciBus#HOT_UNPLUG}): in-flight
     * operations drain, every BAR mapping is zapped, every open file is released once. Linux instead
     * blocks in {@code vfio_unregister_group_dev} until userspace closes the device.
     */
    void unplug() {
        driver.kernel().unbind(path);
        RevocableObject.RevokeOutcome o = object.revoke(PciBus.HOT_UNPLUG);
        log.debug("vfio-pci: {} unplugged: {}", path, o);
    }

    // ---------------------------------------------------------------- memory enable and reset

    /**
     * Whether a PTE may be installed now: memory decoding on. (After hot-unplug nothing reaches the
     * driver's fault or population: both run inside the object's guard, which the revoke drains and
     * then refuses; a fault already in flight completes and its PTE is zapped by the revoke, R02.)
     */
    private boolean mappable() {
        return isMemoryEnabled();
    }

    /**
     * {@code vfio_basic_config_write} for PCI_COMMAND: with {@code memory_lock} held for writing,
     * the new value is stored and, when it clears the memory bit, every BAR mapping is zapped. The bit
     * is stored before the zap (Linux zaps first: both are under {@code memory_lock}, which keeps the
     * fault out, and storing first lets the page-table-lock check of a fault see it too). Turning
     * memory on repopulates eager mappings after the lock is dropped.
     */
    private void writeCommand(int newCmd) {
        boolean on = (newCmd & PCI_COMMAND_MEMORY) != 0;
        boolean turnedOn;
        memoryLock.writeLock();
        try {
            boolean was = isMemoryEnabled();
            command = newCmd & 0xffff;
            if (!on) {
                object.zapMappings();
            }
            if (was != on) {
                object.recordIfLive(new RevokeEvent.MemoryToggled(object.id(),
                        on ? RevokeEvent.MemoryToggled.ON : RevokeEvent.MemoryToggled.OFF, CAUSE_CONFIG_WRITE));
            }
            turnedOn = on && !was;
            if (turnedOn && naive == Naive.REMAP_UNDER_MEMORY_LOCK) {
                naiveRemapUnderMemoryLock();
            }
        } finally {
            memoryLock.writeUnlock();
        }
        if (turnedOn) {
            remapAfterEnable();
        }
    }

    /**
     * {@code vfio_pci_ioctl_reset}: {@code memory_lock} for writing, zap
     * ({@code vfio_pci_zap_and_down_write_memory_lock}), {@code pci_try_reset_function} (which saves
     * the config space, resets, and restores it: the command register comes back as it was), unlock.
     * Memory is off for the duration; if it was on before, eager mappings are repopulated after.
     */
    private void reset() {
        boolean was;
        memoryLock.writeLock();
        try {
            int saved = command;
            was = isMemoryEnabled();
            command = saved & ~PCI_COMMAND_MEMORY; // in reset the function decodes nothing
            object.zapMappings();
            if (was) {
                object.recordIfLive(new RevokeEvent.MemoryToggled(object.id(), RevokeEvent.MemoryToggled.OFF, CAUSE_RESET));
            }
            // pci_try_reset_function: the function resets here.
            command = saved; // pci_dev_restore
            if (was) {
                object.recordIfLive(new RevokeEvent.MemoryToggled(object.id(), RevokeEvent.MemoryToggled.ON, CAUSE_RESET));
            }
            if (was && naive == Naive.REMAP_UNDER_MEMORY_LOCK) {
                naiveRemapUnderMemoryLock();
            }
        } finally {
            memoryLock.writeUnlock();
        }
        if (was) {
            remapAfterEnable();
        }
    }

    /** Memory is on again: eager mappings come back through the library's walk; on-fault ones fault back in. */
    private void remapAfterEnable() {
        if (populate == VfioPci.Populate.EAGER && naive != Naive.REMAP_UNDER_MEMORY_LOCK) {
            object.repopulateMappings();
        }
    }

    /** The planted bug: walk every VMA and take its mmap_lock while memory_lock is held for writing. */
    private void naiveRemapUnderMemoryLock() {
        if (populate != VfioPci.Populate.EAGER) {
            return;
        }
        for (Vma v : object.mapping().allVmas()) {
            // populatedPagesOf takes the VMA's mmap_lock for reading: under memory_lock, the inversion.
            if (v.mm().populatedPagesOf(v.id()) == 0) {
                eager.mapped(v);
            }
        }
    }

    // ---------------------------------------------------------------- regions

    /** {@code vma_to_pfn}: the physical page behind file page {@code pgoff} of a BAR mapping. */
    private long pfnOf(Vma vma, long pgoff) {
        int index = (int) (pgoff >>> PGOFF_SHIFT);
        long first = index < ROM_REGION_INDEX ? barFirstPfn[index] : -1;
        return first < 0 ? PfnMapping.NO_PFN : first + (pgoff & PGOFF_MASK);
    }

    /** The inverse of {@link #pfnOf}, for the rmap: the file pages of each BAR whose page is in the range. */
    private void pgoffsOf(long firstPfn, long lastPfn, PfnMapping.PgoffRanges sink) {
        for (int i = 0; i < ROM_REGION_INDEX; i++) {
            int index = i;
            pci.bar(i).ifPresent(b -> PfnMapping.PgoffsOf.linear(regionPgoff(index, 0), b.firstPfn(), b.pages(), firstPfn, lastPfn, sink));
        }
    }

    /**
     * {@code vfio_pci_core_setup_barmap} / the barmap check of {@code vfio_pci_core_mmap}: the first
     * use of a BAR requests its region. EBUSY when another driver holds it.
     */
    private Result<Void> setupBarmap(int index) {
        if (barmap.get(index) != null) {
            return Result.ok();
        }
        Result<Iomem.Resource> claim = driver.bus().claim(pci.bdf(), index);
        if (!claim.isOk()) {
            // A racing first use of the same BAR may have claimed it meanwhile.
            return barmap.get(index) != null ? Result.ok() : claim.castErr();
        }
        if (!barmap.compareAndSet(index, null, claim.value())) {
            driver.bus().release(claim.value());
        }
        return Result.ok();
    }

    /** {@code vfio_pci_core_disable}: the last close lets go of the BARs' regions. */
    private void releaseBarmaps() {
        for (int i = 0; i < ROM_REGION_INDEX; i++) {
            Iomem.Resource r = barmap.getAndSet(i, null);
            if (r != null) {
                driver.bus().release(r);
            }
        }
    }

    private Optional<Pci.Bar> bar(int index) {
        return index >= 0 && index < ROM_REGION_INDEX ? pci.bar(index) : Optional.empty();
    }

    // ---------------------------------------------------------------- the driver's file operations

    /** {@code vfio_pci_ops} behind {@code vfio_device_fops}. */
    private final class DeviceOps implements FileOperations {
        @Override
        public Result<Void> open(OpenFile file) {
            synchronized (VfioDevice.this) {
                openFiles++;
            }
            return Result.ok();
        }

        @Override
        public void release(OpenFile file) {
            boolean last;
            synchronized (VfioDevice.this) {
                last = --openFiles == 0;
            }
            if (last) {
                releaseBarmaps();
            }
        }

        /**
         * None: {@code vfio_device_fops} has no {@code .llseek}, so {@code do_dentry_open} clears
         * FMODE_LSEEK and {@code vfs_llseek} answers ESPIPE; reads and writes go by {@code pread} /
         * {@code pwrite} offsets (FMODE_PREAD and FMODE_PWRITE stay set).
         */
        @Override
        public boolean hasLlseek() {
            return false;
        }

        /** {@code vfio_pci_rw} at the file position (a {@code pread}); the position does not move. */
        @Override
        public Result<byte[]> read(OpenFile file, int count) {
            int index = (int) (file.position() >>> OFFSET_SHIFT);
            long offset = file.position() & OFFSET_MASK;
            if (index == CONFIG_REGION_INDEX) {
                byte[] out = new byte[Math.max(0, count)];
                for (int i = 0; i < out.length; i++) {
                    long at = offset + i;
                    if (at == PCI_COMMAND || at == PCI_COMMAND + 1) {
                        out[i] = (byte) (command >> (8 * (at - PCI_COMMAND)));
                    }
                }
                return Result.ok(out);
            }
            Result<Void> r = barRw(index, offset, count);
            return r.isOk() ? Result.ok(new byte[count]) : r.castErr();
        }

        /** {@code vfio_pci_rw} at the file position (a {@code pwrite}). */
        @Override
        public Result<Integer> write(OpenFile file, byte[] data) {
            int index = (int) (file.position() >>> OFFSET_SHIFT);
            long offset = file.position() & OFFSET_MASK;
            if (index == CONFIG_REGION_INDEX) {
                if (offset == PCI_COMMAND && data.length >= 2) {
                    writeCommand((data[0] & 0xff) | (data[1] & 0xff) << 8);
                }
                return Result.ok(data.length);
            }
            Result<Void> r = barRw(index, offset, data.length);
            return r.isOk() ? Result.ok(data.length) : r.castErr();
        }

        /**
         * {@code vfio_pci_bar_rw}: the first access requests the region; then
         * {@code vfio_pci_core_do_io_rw} with {@code test_mem}: {@code memory_lock} for reading and
         * EIO while memory is off. (The MMIO's contents are not modelled.)
         */
        private Result<Void> barRw(int index, long offset, int count) {
            Optional<Pci.Bar> bar = bar(index);
            if (bar.isEmpty() || offset < 0 || count < 0
                    || offset + count > bar.get().pages() * io.revokefs.kernel.Kernel.PAGE_SIZE) {
                return Result.err(Errno.EINVAL);
            }
            Result<Void> claimed = setupBarmap(index);
            if (!claimed.isOk()) {
                return claimed;
            }
            memoryLock.readLock();
            try {
                return isMemoryEnabled() ? Result.ok() : Result.err(Errno.EIO);
            } finally {
                memoryLock.readUnlock();
            }
        }

        @Override
        public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
            if (cmd == VFIO_DEVICE_RESET) {
                reset();
                return Result.ok(0L);
            }
            if (cmd == VFIO_DEVICE_GET_INFO) {
                return Result.ok(0L); // vfio_pci_ioctl_get_info: the struct it fills is not modelled
            }
            return Result.err(Errno.ENOTTY);
        }

        @Override
        public boolean hasMmap() {
            return true;
        }

        /** {@code vfio_pci_core_mmap}. */
        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            long index = vma.pgoff() >>> PGOFF_SHIFT;
            // Past the BARs: the ROM, config space and VGA are not mmappable, and device-specific
            // regions (index >= VFIO_PCI_NUM_REGIONS, region->ops->mmap) are not modelled.
            if (index >= ROM_REGION_INDEX) {
                return Result.err(Errno.EINVAL);
            }
            Optional<Pci.Bar> bar = bar((int) index);
            if (bar.isEmpty() || (vma.pgoff() & PGOFF_MASK) + vma.pages() > bar.get().pages()) {
                return Result.err(Errno.EINVAL);
            }
            Result<Void> claimed = setupBarmap((int) index);
            if (!claimed.isOk()) {
                return claimed;
            }
            vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO, VmaFlag.DONTEXPAND);
            vma.setVmOps(vmOps);
            if (naive == Naive.POPULATE_INSIDE_MMAP && isMemoryEnabled()) {
                // The planted bug (R04): remap_pfn_range before the VMA is linked, unchecked.
                vma.mm().remapPfnRange(vma, 0, pfnOf(vma, vma.pgoff()), vma.pages());
            }
            return Result.ok();
        }
    }

    // ---------------------------------------------------------------- the driver's vm operations

    /** {@code vfio_pci_mmap_ops}, and the eager strategy's population after link. */
    private final VmOperations vmOps = new VmOperations() {
        /**
         * On fault: {@code vfio_pci_mmap_huge_fault} at order 0: {@code memory_lock} for reading,
         * SIGBUS while memory is off, else {@code vmf_insert_pfn}, the check repeated under the page
         * table lock. Eager: SIGBUS, always (pages come back only by the walk).
         */
        @Override
        public FaultResult fault(VmFault vmf) {
            if (populate == VfioPci.Populate.EAGER) {
                return FaultResult.SIGBUS;
            }
            if (naive == Naive.CHECK_OUTSIDE_LOCKS) {
                if (!mappable()) {
                    return FaultResult.SIGBUS;
                }
                return vmf.insertPfn(pfnOf(vmf.vma(), vmf.pgoff()));
            }
            memoryLock.readLock();
            try {
                return onFault.fault(vmf);
            } finally {
                memoryLock.readUnlock();
            }
        }

        /**
         * Eager: the VMA is linked (after mmap, or visited by the walk after an enable), its mm's
         * {@code mmap_lock} held: {@code memory_lock} for reading, re-check, remap the whole VMA under
         * the page table lock.
         */
        @Override
        public long mapped(Vma vma) {
            if (populate != VfioPci.Populate.EAGER || naive == Naive.POPULATE_INSIDE_MMAP) {
                return 0;
            }
            memoryLock.readLock();
            try {
                return eager.mapped(vma);
            } finally {
                memoryLock.readUnlock();
            }
        }
    };

    @Override
    public String toString() {
        return path + "(" + pci.bdf() + ", " + populate.scenarioName() + ")";
    }
}
