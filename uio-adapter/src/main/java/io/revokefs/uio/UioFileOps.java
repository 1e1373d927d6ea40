package io.revokefs.uio;

import io.revokefs.core.Errno;
import io.revokefs.core.FaultResult;
import io.revokefs.core.PollBit;
import io.revokefs.core.Result;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PfnMapping;
import io.revokefs.core.kernel.PollTable;
import io.revokefs.core.kernel.VmFault;
import io.revokefs.core.kernel.VmOperations;
import io.revokefs.core.kernel.Vma;
import io.revokefs.core.kernel.VmaFlag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * {@code uio_fops} of one device, as the driver side of its revocable object: the checks of
 * {@code idev->info} that Linux makes in each operation are the core's guard here, so these methods
 * only run while the device is registered.
 */
final class UioFileOps implements FileOperations {
    private static final int EVENT_BYTES = 4;

    /** {@code struct uio_listener}: the event count this file has seen. */
    private static final class Listener {
        volatile int eventCount;
    }

    private final UioDevice dev;

    UioFileOps(UioDevice dev) {
        this.dev = dev;
    }

    /** {@code uio_open}: a listener that has seen every event so far. */
    @Override
    public Result<Void> open(OpenFile file) {
        Listener l = new Listener();
        l.eventCount = dev.event().get();
        file.setPrivateData(l);
        return Result.ok();
    }

    /**
     * {@code uio_read}: exactly 4 bytes; sleeps until the event count differs from the listener's,
     * then returns it (native, little-endian {@code s32}). EIO without an interrupt, or when woken by
     * the unregister (R17).
     */
    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        if (count != EVENT_BYTES) {
            return Result.err(Errno.EINVAL);
        }
        if (!dev.info().irq()) {
            return Result.err(Errno.EIO);
        }
        Listener l = (Listener) file.privateData();
        if (!dev.waitQueue().waitEvent(() -> dev.event().get() != l.eventCount)) {
            return Result.err(Errno.EIO);
        }
        int count32 = dev.event().get();
        l.eventCount = count32;
        return Result.ok(ByteBuffer.allocate(EVENT_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(count32).array());
    }

    /** {@code uio_write}: exactly 4 bytes, handed to {@code irqcontrol}; EIO without an interrupt, ENOSYS without irqcontrol. */
    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        if (data.length != EVENT_BYTES) {
            return Result.err(Errno.EINVAL);
        }
        if (!dev.info().irq()) {
            return Result.err(Errno.EIO);
        }
        if (dev.info().irqcontrol() == null) {
            return Result.err(Errno.ENOSYS);
        }
        int irqOn = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt();
        Result<Void> r = dev.info().irqcontrol().irqcontrol(irqOn);
        return r.isOk() ? Result.ok(EVENT_BYTES) : r.castErr();
    }

    /** {@code uio_poll}: POLLIN|POLLRDNORM once the count moved past the listener's; POLLERR without an interrupt. */
    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        if (!dev.info().irq()) {
            return PollBit.mask(PollBit.POLLERR);
        }
        table.pollWait(dev.waitQueue());
        Listener l = (Listener) file.privateData();
        return dev.event().get() != l.eventCount ? PollBit.mask(PollBit.POLLIN, PollBit.POLLRDNORM) : Set.of();
    }

    /** {@code noop_llseek}: the position does not move. */
    @Override
    public Result<Long> llseek(OpenFile file, long offset, int whence) {
        return Result.ok(file.position());
    }

    @Override
    public boolean hasMmap() {
        return true;
    }

    /**
     * {@code uio_mmap}: {@code vm_pgoff} is the map index ({@code uio_find_mem_index}); EINVAL for no
     * such map or more pages than it has. Physical maps are populated after link; logical and virtual
     * maps fault (see {@link #vmOps}). The
     * index is kept in {@code vm_private_data}, so the pieces of a split VMA keep their map (Linux
     * re-derives it from each piece's {@code vm_pgoff}; see docs/uio.md).
     */
    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        long mi = vma.pgoff();
        if (mi >= dev.info().mem().size()) {
            return Result.err(Errno.EINVAL);
        }
        UioMem m = dev.info().mem().get((int) mi);
        if (vma.pages() > m.pages()) {
            return Result.err(Errno.EINVAL);
        }
        vma.setPrivateData((int) mi);
        if (m.type() == UioMem.Type.PHYS) {
            vma.addFlags(VmaFlag.IO, VmaFlag.PFNMAP); // remap_pfn_range's flags
        }
        vma.addFlags(VmaFlag.DONTEXPAND);
        vma.setVmOps(vmOps);
        return Result.ok();
    }

    /**
     * The physical page behind {@code pgoff} of {@code vma}: the page of its map
     * ({@code uio_vma_fault}'s {@code vmf->pgoff - mi}) from the map's first page; none outside the map.
     */
    private long pfnOf(Vma vma, long pgoff) {
        int mi = (int) vma.privateData();
        long page = pgoff - mi;
        return page < 0 || page >= dev.info().mem().get(mi).pages() ? PfnMapping.NO_PFN : dev.mapFirstPfn(mi) + page;
    }

    /**
     * {@code uio_physical_vm_ops}: no fault handler; every page is mapped once the VMA is linked
     * ({@link VmOperations#mapped}), where Linux calls {@code remap_pfn_range} inside {@code ->mmap}:
     * so a racing unregister's zap cannot miss it (R04), and the zap reaches it (R18). Unchecked, as
     * in Linux: nothing but the unregister takes a map away, and that revokes the device first.
     */
    private final PfnMapping physical = PfnMapping.builder(this::pfnOf).pgoffsOf(this::pgoffsOf)
            .populate(PfnMapping.Populate.AFTER_LINK).noFaultHandler().build();

    /**
     * {@code uio_logical_vm_ops}: {@code uio_vma_fault} supplies the page of the map (the simulation
     * has no {@code struct page}: it inserts the PFN).
     */
    private final PfnMapping logical = PfnMapping.builder(this::pfnOf).pgoffsOf(this::pgoffsOf).build();

    /**
     * The inverse of {@link #pfnOf}, for the rmap: map {@code mi} is mmapped at {@code vm_pgoff} =
     * {@code mi}, its page {@code k} at file page {@code mi + k}. The maps' file pages overlap (map 1's
     * first page is map 0's second), so this is a superset the rmap checks with {@link #pfnOf}.
     */
    private void pgoffsOf(long firstPfn, long lastPfn, PfnMapping.PgoffRanges sink) {
        for (int mi = 0; mi < dev.info().mem().size(); mi++) {
            PfnMapping.PgoffsOf.linear(mi, dev.mapFirstPfn(mi), dev.info().mem().get(mi).pages(), firstPfn, lastPfn, sink);
        }
    }

    /** What this device's mapping installs (both kinds of map share {@link #pfnOf}), for the rmap. */
    PfnMapping pfnMapping() {
        return physical;
    }

    private PfnMapping mappingOf(Vma vma) {
        return dev.info().mem().get((int) vma.privateData()).type() == UioMem.Type.PHYS ? physical : logical;
    }

    /**
     * {@link #physical} and {@link #logical} in one, chosen per VMA by the type of its map: the core
     * accepts one vm_ops per open file (as kernfs does), and a uio file may map a physical and a
     * logical map. For ptrace both use {@code generic_access_phys}: for page-backed maps Linux's
     * {@code __access_remote_vm} reaches the page through {@code get_user_page_vma_remote} instead
     * ({@code uio_logical_vm_ops} has no {@code ->access}), which reads the same page.
     */
    private final VmOperations vmOps = new VmOperations() {
        @Override
        public FaultResult fault(VmFault vmf) {
            return mappingOf(vmf.vma()).fault(vmf);
        }

        @Override
        public Result<Long> access(Vma vma, long addr, long value, boolean write) {
            return mappingOf(vma).access(vma, addr, value, write);
        }

        @Override
        public long mapped(Vma vma) {
            return mappingOf(vma).mapped(vma);
        }
    };
}
