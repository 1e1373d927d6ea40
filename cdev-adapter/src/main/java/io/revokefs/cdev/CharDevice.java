package io.revokefs.cdev;

import io.revokefs.core.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.core.FaultResult;
import io.revokefs.core.PollBit;
import io.revokefs.core.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.WaitQueue;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.Inode;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PfnMapping;
import io.revokefs.core.kernel.PhysicalMemory;
import io.revokefs.core.kernel.PollTable;
import io.revokefs.core.kernel.VmFault;
import io.revokefs.core.kernel.VmOperations;
import io.revokefs.core.kernel.Vma;
import io.revokefs.core.kernel.VmaFlag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A generic revocable character device, {@code /dev/NAME} (docs/semantics.md section 11): the worked
 * example of docs/adapters.md. Its driver counts events; {@link #unplug()} revokes it.
 *
 * <ul>
 *   <li>read: 8 bytes or more return the event count at once (little-endian {@code u64}); exactly
 *       {@value #WAIT_BYTES} bytes wait for the next event, as uio's 4-byte read does, and return it;</li>
 *   <li>poll: POLLIN | POLLRDNORM once an event this file has not read is pending;</li>
 *   <li>ioctl {@value #IOC_EVENTS}: the event count; any other command ENOTTY;</li>
 *   <li>mmap: up to {@code pages} pages of device memory from offset 0, populated on fault;</li>
 *   <li>with {@code vmclose}, the driver's vm_ops has a counting {@code ->close}, which the core
 *       calls once per VMA (at munmap, or at unplug for the VMAs still mapped).</li>
 * </ul>
 *
 * After unplug the node is gone (open by path: ENOENT) and everything else answers as evdev does for
 * a disconnected device ({@link ErrnoTable#CDEV}). The wait queue, the draining, the zap and the
 * release-once are the core's ({@link RevocableObject}).
 *
 * <p>Thread-safe.
 */
public final class CharDevice {
    /** The adapter name in {@code ObjectRegistered}. */
    public static final String ADAPTER = "cdev";
    /** The revoke cause of {@link #unplug()}. */
    public static final String CAUSE = "unplug";
    /** The byte count of a read that waits for the next event. */
    public static final int WAIT_BYTES = 4;
    /** The ioctl command that returns the event count. */
    public static final int IOC_EVENTS = 1;
    /** Where device memory is placed in physical memory (the first free range above). */
    static final long MEMORY_BASE_PFN = 0x200000;

    private final Kernel kernel;
    private final String path;
    private final PhysicalMemory.Region memory;
    private final boolean vmclose;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong vmCloses = new AtomicLong();
    private final RevocableObject object;
    private final WaitQueue wait;
    private final Inode inode;

    private CharDevice(Kernel kernel, String name, int pages, boolean vmclose, Function<RevocableObject, WaitQueue> queueOf) {
        this.kernel = kernel;
        this.path = "/dev/" + name;
        this.vmclose = vmclose;
        PhysicalMemory phys = kernel.physicalMemory();
        synchronized (phys) { // findFree then add, atomically with respect to other allocations
            this.memory = pages == 0 ? null : phys.addMmio(phys.findFree(pages, MEMORY_BASE_PFN), pages, path);
        }
        this.object = RevocableObject.builder(kernel, ADAPTER + ":" + path, ADAPTER)
                .operations(new Driver()).errnos(ErrnoTable.CDEV).register();
        object.mapping().setPfnMapping(vm); // for the rmap
        this.wait = queueOf.apply(object);
        this.inode = kernel.newInode(path, 0600, 0, object.fileOperations(), object.mapping(), null);
        kernel.bind(path, inode);
    }

    /** {@code cdev_add} and {@code device_create}: registers {@code /dev/NAME} with {@code pages} pages of memory. */
    public static CharDevice create(Kernel kernel, String name, int pages, boolean vmclose) {
        return create(kernel, name, pages, vmclose, o -> o.newWaitQueue("wait"));
    }

    /** For tests: the device with its readers' queue made by {@code queueOf} (a planted bug passes one the revoke does not know). */
    static CharDevice create(Kernel kernel, String name, int pages, boolean vmclose, Function<RevocableObject, WaitQueue> queueOf) {
        if (name.isEmpty() || name.contains("/") || pages < 0) {
            throw new IllegalArgumentException("bad cdev " + name + " pages=" + pages);
        }
        return new CharDevice(kernel, name, pages, vmclose, queueOf);
    }

    public String path() {
        return path;
    }

    /** The device node's inode: a process holding it still reaches the object after unplug (ENODEV). */
    public Inode inode() {
        return inode;
    }

    public RevocableObject object() {
        return object;
    }

    /** The device's readers and pollers sleep here; unplug wakes it for good. */
    public WaitQueue waitQueue() {
        return wait;
    }

    public long events() {
        return events.get();
    }

    /** How many times the driver's vm {@code ->close} ran (with {@code vmclose}). */
    public long vmCloses() {
        return vmCloses.get();
    }

    /** The device raised an event: readers and pollers wake. Returns false, doing nothing, after unplug. */
    public boolean event() {
        if (object.isRevoked()) {
            return false;
        }
        events.incrementAndGet();
        wait.wakeUp();
        return true;
    }

    /** Hot-unplug: the node goes away, then the object is revoked (readers wake with ENODEV). */
    public RevocableObject.RevokeOutcome unplug() {
        kernel.unbind(path);
        return object.revoke(CAUSE);
    }

    /** Per open file: the last event it read. */
    private static final class Listener {
        volatile long seen;
    }

    /** The driver: it runs only while the device is plugged (the core's guard sees to that). */
    private final class Driver implements FileOperations {
        @Override
        public Result<Void> open(OpenFile file) {
            Listener l = new Listener();
            l.seen = events.get();
            file.setPrivateData(l);
            return Result.ok();
        }

        @Override
        public Result<byte[]> read(OpenFile file, int count) {
            Listener l = (Listener) file.privateData();
            if (count == WAIT_BYTES) {
                if (!wait.waitEvent(() -> events.get() != l.seen)) {
                    return Result.err(Errno.ENODEV); // woken by the unplug: evdev_read's !evdev->exist
                }
                l.seen = events.get();
                return Result.ok(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) l.seen).array());
            }
            if (count < Long.BYTES) {
                return Result.err(Errno.EINVAL);
            }
            return Result.ok(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(events.get()).array());
        }

        @Override
        public Set<PollBit> poll(OpenFile file, PollTable table) {
            table.pollWait(wait);
            Listener l = (Listener) file.privateData();
            return events.get() != l.seen ? PollBit.mask(PollBit.POLLIN, PollBit.POLLRDNORM) : Set.of();
        }

        @Override
        public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
            return cmd == IOC_EVENTS ? Result.ok(events.get()) : Result.err(Errno.ENOTTY);
        }

        @Override
        public Result<Long> llseek(OpenFile file, long offset, int whence) {
            return Result.err(Errno.ESPIPE); // nonseekable_open, as evdev
        }

        @Override
        public boolean hasMmap() {
            return memory != null;
        }

        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            if (vma.pgoff() + vma.pages() > memory.pages()) {
                return Result.err(Errno.EINVAL);
            }
            vma.addFlags(VmaFlag.IO, VmaFlag.PFNMAP);
            vma.setVmOps(vmclose ? closingVm : vm);
            return Result.ok();
        }
    }

    /** Device memory, populated on fault through the core's one PFN helper. */
    private final PfnMapping vm = PfnMapping.builder(this::pfnOf).pgoffsOf(this::pgoffsOf).build();

    /** The inverse of {@link #pfnOf}, for the rmap. */
    private void pgoffsOf(long firstPfn, long lastPfn, PfnMapping.PgoffRanges sink) {
        if (memory != null) {
            PfnMapping.PgoffsOf.linear(0, memory.firstPfn(), memory.pages(), firstPfn, lastPfn, sink);
        }
    }

    private long pfnOf(Vma vma, long pgoff) {
        return pgoff < memory.pages() ? memory.firstPfn() + pgoff : PfnMapping.NO_PFN;
    }

    /** {@link #vm} with a counting {@code ->close} (docs/semantics.md section 9). */
    private final VmOperations closingVm = new VmOperations() {
        @Override
        public FaultResult fault(VmFault vmf) {
            return vm.fault(vmf);
        }

        @Override
        public Result<Long> access(Vma vma, long addr, long value, boolean write) {
            return vm.access(vma, addr, value, write);
        }

        @Override
        public boolean hasClose() {
            return true;
        }

        @Override
        public void close(Vma vma) {
            vmCloses.incrementAndGet();
        }
    };

    @Override
    public String toString() {
        return path;
    }
}
