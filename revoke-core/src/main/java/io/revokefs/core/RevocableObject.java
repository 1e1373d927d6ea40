package io.revokefs.core;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PollTable;
import io.revokefs.core.kernel.VmFault;
import io.revokefs.core.kernel.VmOperations;
import io.revokefs.core.kernel.Vma;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A revocable object: what an adapter registers for each thing userspace can open (a sysfs
 * attribute, a proc entry, a uio device, /dev/mem). The adapter supplies the driver's
 * {@link FileOperations} and its {@link ErrnoTable}; the object hands out wrapped operations
 * ({@link #fileOperations()}) to put in the inode, which run every driver operation, and every vm
 * operation of every mapping, inside the object's guards. {@link #revoke(String)} then takes the
 * driver away from all of them at once (SEMANTICS.md section 3):
 * <ol>
 *   <li>deactivate: no new operation enters;</li>
 *   <li>drain: wait for the operations in flight, waking the ones asleep in the object's
 *       {@link WaitQueue}s;</li>
 *   <li>zap: one {@code unmap_mapping_range} over each range of the object (usually one), so no PTE to its
 *       pages survives and later accesses raise SIGBUS;</li>
 *   <li>release every open file exactly once (a close racing the revoke releases once, the loser
 *       waits; a close after it does not release again);</li>
 *   <li>complete.</li>
 * </ol>
 *
 * <h2>Two guards, one log</h2>
 * Operations whose entry is an event in the log (open, mmap, fault, eager population) enter one
 * {@link Guard}; the rest (read, write, poll, ioctl, llseek, vm open and access, any of which may
 * sleep) enter another. Revoke deactivates both, drains the first, and only then records
 * {@code RevokeStarted}: so an entry that raced deactivation and won is always in the log before
 * {@code RevokeStarted}, and none after it ({@code NO_ENTRY_AFTER_REVOKE}), without any lock on the
 * entry path. Operations of the first kind never sleep, so that drain is short.
 *
 * <h2>Refused mappings</h2>
 * As {@code kernfs_fop_mmap}: ENODEV when the driver has no mmap; EINVAL when its vm_ops has
 * {@code ->close} (it cannot be wrapped) or {@code ->page_mkwrite} (not wrapped since 2024), or when
 * a second mmap of one open file brings different vm_ops. A mapping whose {@code ->mmap} replaced
 * {@code vm_file} is left unwrapped.
 *
 * <p>Thread-safe. One object is one life: after revoke it stays revoked; a device that comes back
 * registers a new object.
 */
public final class RevocableObject {
    private static final Logger log = LoggerFactory.getLogger(RevocableObject.class);

    private static final int LIFE_ACTIVE = 0;
    private static final int LIFE_REVOKING = 1;
    private static final int LIFE_REVOKED = 2;

    /** The range of a mapping an object's revoke zaps. */
    public record ZapRange(AddressSpace mapping, long first, long count) {
        public ZapRange {
            Objects.requireNonNull(mapping, "mapping");
            if (first < 0 || count < 0) {
                throw new IllegalArgumentException("bad zap range " + first + "+" + count);
            }
        }
    }

    /**
     * What a revoke did.
     *
     * @param waited operations in flight when draining began (at most; see {@link Guard#inFlight()})
     * @param vmas VMAs the zap visited
     * @param ptes PTEs the zap removed
     * @param released files this revoke released (files a racing close released are not counted)
     * @param first false for a revoke that found another already under way or done, and waited for it
     */
    public record RevokeOutcome(long waited, int vmas, long ptes, int released, boolean first) {
    }

    private final Kernel kernel;
    private final String id;
    private final String adapter;
    private final FileOperations driver;
    private final ErrnoTable errnos;
    private final AddressSpace mapping;
    private final Supplier<List<ZapRange>> zapRanges;
    private final Guard entries = new Guard();
    private final Guard ops = new Guard();
    private final AtomicInteger life = new AtomicInteger(LIFE_ACTIVE);
    private final WaitQueue revokeDone;
    private volatile RevokeOutcome outcome;
    private final Map<OpenFile, FileState> files = new ConcurrentHashMap<>();
    /** Every release done in this life, by file id; kept after the file is gone. */
    private final Map<String, ReleaseCause> releases = new ConcurrentHashMap<>();
    private final List<WaitQueue> queues = new CopyOnWriteArrayList<>();
    private final Wrapped wrapped = new Wrapped();

    /** Per open file: release-once state and the driver's vm_ops of its mappings. */
    private static final class FileState {
        private static final int OPEN = 0;
        private static final int RELEASING = 1;
        private static final int RELEASED = 2;
        final AtomicInteger release = new AtomicInteger(OPEN);
        final WaitQueue releaseDone;
        volatile WrappedVm vm;

        FileState(OpenFile file) {
            this.releaseDone = new WaitQueue("release " + file.id());
        }
    }

    private RevocableObject(Builder b) {
        this.kernel = b.kernel;
        this.id = b.id;
        this.adapter = b.adapter;
        this.driver = b.driver;
        this.errnos = b.errnos;
        this.mapping = b.mapping != null ? b.mapping : kernel.newAddressSpace(b.id);
        this.zapRanges = b.zapRanges != null ? b.zapRanges : () -> List.of(new ZapRange(mapping, 0, Long.MAX_VALUE));
        this.revokeDone = new WaitQueue("revoke " + id);
    }

    /** Starts describing an object; {@link Builder#register()} records {@code ObjectRegistered}. */
    public static Builder builder(Kernel kernel, String id, String adapter) {
        return new Builder(kernel, id, adapter);
    }

    /** Describes a revocable object. */
    public static final class Builder {
        private final Kernel kernel;
        private final String id;
        private final String adapter;
        private FileOperations driver;
        private ErrnoTable errnos;
        private AddressSpace mapping;
        private Supplier<List<ZapRange>> zapRanges;

        private Builder(Kernel kernel, String id, String adapter) {
            this.kernel = Objects.requireNonNull(kernel, "kernel");
            this.id = Objects.requireNonNull(id, "id");
            this.adapter = Objects.requireNonNull(adapter, "adapter");
        }

        /** The driver's file operations (required). */
        public Builder operations(FileOperations driver) {
            this.driver = driver;
            return this;
        }

        /** What operations return after revoke (required). */
        public Builder errnos(ErrnoTable errnos) {
            this.errnos = errnos;
            return this;
        }

        /** The object's own mapping, for inodes to use as {@code i_mapping}; a fresh one by default. */
        public Builder mapping(AddressSpace mapping) {
            this.mapping = mapping;
            return this;
        }

        /**
         * The range revoke zaps, looked up at revoke time; null from the supplier means nothing can be
         * mapped yet. By default the whole of the object's own mapping.
         */
        public Builder zapRange(Supplier<ZapRange> zapRange) {
            Objects.requireNonNull(zapRange, "zapRange");
            this.zapRanges = () -> {
                ZapRange z = zapRange.get();
                return z == null ? List.of() : List.of(z);
            };
            return this;
        }

        /**
         * Several disjoint ranges, for an object backed by more than one physical range (a PCI function
         * with several BARs, as {@code /proc/bus/pci/BB/DD.F} is). Looked up at revoke time; revoke
         * zaps each in order and records one {@code MappingsZapped} per range (an empty list records
         * one empty zap, as a null {@link #zapRange} does).
         */
        public Builder zapRanges(Supplier<List<ZapRange>> zapRanges) {
            this.zapRanges = Objects.requireNonNull(zapRanges, "zapRanges");
            return this;
        }

        public RevocableObject register() {
            if (driver == null || errnos == null) {
                throw new IllegalStateException("object " + id + ": operations and errnos are required");
            }
            RevocableObject o = new RevocableObject(this);
            kernel.addObject(o);
            kernel.recorder().record(new RevokeEvent.ObjectRegistered(id, adapter));
            return o;
        }
    }

    public String id() {
        return id;
    }

    public String adapter() {
        return adapter;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The object's own mapping (the default {@code i_mapping} of its inodes). */
    public AddressSpace mapping() {
        return mapping;
    }

    /** The wrapped file operations to install as the inodes' {@code i_fop}. */
    public FileOperations fileOperations() {
        return wrapped;
    }

    /** The object whose wrapped operations {@code file} uses, or null. */
    public static RevocableObject of(OpenFile file) {
        return file.fop() instanceof Wrapped w ? w.owner() : null;
    }

    public boolean isRevoked() {
        return life.get() != LIFE_ACTIVE;
    }

    /** Files opened through this object and not yet gone (their last reference not dropped). */
    public List<OpenFile> openFiles() {
        return new ArrayList<>(files.keySet());
    }

    /** Every release done in this life: file id to who ran it. */
    public Map<String, ReleaseCause> releases() {
        return Map.copyOf(releases);
    }

    /** Whether {@code file}'s release has run. */
    public boolean isReleased(OpenFile file) {
        FileState fs = files.get(file);
        return fs == null || fs.release.get() == FileState.RELEASED;
    }

    /**
     * A wait queue for the driver's blocking operations; revoke wakes it for good. A queue made after
     * revoke is already woken.
     */
    public WaitQueue newWaitQueue(String name) {
        WaitQueue q = new WaitQueue(id + " " + name);
        queues.add(q);
        if (isRevoked()) {
            q.kill();
        }
        return q;
    }

    // ---------------------------------------------------------------- revoke

    /**
     * Revokes the object: the five steps of SEMANTICS.md section 3. Blocks until every operation in
     * flight has exited and every open file is released. A second call, concurrent or later, waits
     * for the first and returns its outcome with {@code first == false} (R22).
     *
     * <p>Must not be called from inside an operation of this object without
     * {@link #withProtectionBroken} (the drain would wait for the caller itself). Must not be
     * called with any simulated lock held.
     *
     * @param cause why: hot-unplug, driver-claim, unregister, remove_proc_entry, ...
     */
    public RevokeOutcome revoke(String cause) {
        Objects.requireNonNull(cause, "cause");
        if (!life.compareAndSet(LIFE_ACTIVE, LIFE_REVOKING)) {
            revokeDone.waitEvent(() -> life.get() == LIFE_REVOKED);
            RevokeOutcome o = outcome;
            return new RevokeOutcome(o.waited(), o.vmas(), o.ptes(), o.released(), false);
        }
        var recorder = kernel.recorder();
        // 1. Deactivate. The entries that won the race are drained before RevokeStarted is recorded
        //    so that their events precede it (see the class comment).
        entries.deactivate();
        ops.deactivate();
        long waited = entries.inFlight() + ops.inFlight();
        entries.drain();
        recorder.record(new RevokeEvent.RevokeStarted(id, cause));
        // 2. Drain: wake sleepers so they can see the revoke and leave.
        for (WaitQueue q : queues) {
            q.kill();
        }
        ops.drain();
        recorder.record(new RevokeEvent.RevokeDrained(id, (int) Math.min(Integer.MAX_VALUE, waited)));
        // 3. Zap every mapping of the object's range(s).
        AddressSpace.ZapCount zapped = zapAndRecord(true);
        int zappedVmas = zapped.vmas();
        long zappedPtes = zapped.ptes();
        // 4. Release every open file once.
        int released = 0;
        for (Map.Entry<OpenFile, FileState> e : files.entrySet()) {
            e.getKey().setFasync(false);
            if (releaseOnce(e.getKey(), e.getValue(), ReleaseCause.REVOKE)) {
                released++;
            }
        }
        // 5. Complete.
        recorder.record(new RevokeEvent.RevokeCompleted(id));
        RevokeOutcome o = new RevokeOutcome(waited, zappedVmas, zappedPtes, released, true);
        outcome = o;
        life.set(LIFE_REVOKED);
        revokeDone.wakeUp();
        log.debug("revoked {} ({}): {}", id, cause, o);
        return o;
    }

    /**
     * Runs {@code action} from inside one of this object's own operations (read, write, ioctl, ...) on
     * the current thread, with that operation's active reference given up for the duration
     * ({@code kernfs_break_active_protection}), so that {@code action} may revoke this object (R07: a
     * {@code remove} attribute whose store removes its own device). The reference is taken back
     * afterwards; the operation must not reach the driver's state again if the object was revoked.
     */
    public <T> T withProtectionBroken(Supplier<T> action) {
        int token = ops.tokenOfCurrentThread();
        ops.breakProtection(token);
        try {
            return action.get();
        } finally {
            ops.unbreakProtection(token);
        }
    }

    // ---------------------------------------------------------------- disable and re-enable

    /**
     * vfio-style disable: zaps every mapping of the object's range without revoking anything (the
     * driver's memory went away for a while: a reset, the memory-enable bit cleared). The driver's
     * fault handler must refuse while disabled, and must check that under the page table lock
     * ({@link VmFault#insertPfnIf}; {@code Mm.remapPfnRangeIf} for eager population): a fault that
     * checks and then inserts lets the disable's zap run in between and keeps a PTE to disabled
     * memory (vfio-pci closes the same window with {@code memory_lock}; the schedule explorer finds
     * it in a naive driver). Clear the driver's enable state first, then call this. On re-enable,
     * on-fault mappings fault back in by
     * themselves and eager ones are repopulated by {@link #repopulateMappings()}. Records
     * {@code MappingsZapped}, outside any revoke. Returns what was zapped.
     */
    public AddressSpace.ZapCount zapMappings() {
        return zapAndRecord(false);
    }

    /**
     * Zaps each of the object's ranges, recording one {@code MappingsZapped} per range. With
     * {@code always}, a revoke's zap step with nothing to zap (no range, or the iomem mapping not yet
     * published) still records one, with zero counts, so every revoke has its zap step in the log.
     */
    private AddressSpace.ZapCount zapAndRecord(boolean always) {
        List<ZapRange> ranges = zapRanges.get();
        if (ranges == null || ranges.isEmpty()) {
            if (always) {
                kernel.recorder().record(new RevokeEvent.MappingsZapped(id, 0, 0, mapping.id(), 0, 0));
            }
            return new AddressSpace.ZapCount(0, 0);
        }
        int vmas = 0;
        long ptes = 0;
        for (ZapRange z : ranges) {
            AddressSpace.ZapCount c = z.mapping().unmapMappingRange(z.first(), z.count());
            vmas += c.vmas();
            ptes += c.ptes();
            kernel.recorder().record(new RevokeEvent.MappingsZapped(id, c.vmas(), c.ptes(), z.mapping().id(), z.first(), z.count()));
        }
        return new AddressSpace.ZapCount(vmas, ptes);
    }

    /**
     * vfio-style re-enable for eagerly populated mappings (R23): every VMA of the object's range that
     * has no PTE is populated again through its driver's {@link VmOperations#mapped}, inside the
     * guard, with locks taken {@code mmap_lock} before {@code i_mmap_rwsem}
     * ({@link AddressSpace#forEachVmaWithMmapLock}). Nothing happens once the object is revoked.
     * Returns the VMAs repopulated.
     */
    public int repopulateMappings() {
        List<ZapRange> ranges = zapRanges.get();
        if (ranges == null || isRevoked()) {
            return 0;
        }
        int[] n = {0};
        for (ZapRange z : ranges) {
            z.mapping().forEachVmaWithMmapLock(z.first(), z.count(),
                    v -> v.vmOps() instanceof WrappedVm w && w.owner() == this && v.mm().populatedPages(v) == 0,
                    v -> {
                        if (((WrappedVm) v.vmOps()).mapped(v) > 0) {
                            n[0]++;
                        }
                    });
        }
        return n[0];
    }

    /** Release-once: true if this call ran the release, false if another did (this one waited for it). */
    private boolean releaseOnce(OpenFile file, FileState fs, ReleaseCause cause) {
        if (fs.release.compareAndSet(FileState.OPEN, FileState.RELEASING)) {
            Interleave.point("release", file.id());
            try {
                driver.release(file);
            } finally {
                releases.put(file.id(), cause);
                kernel.recorder().record(new RevokeEvent.FileReleased(id, file.id(), cause));
                fs.release.set(FileState.RELEASED);
                fs.releaseDone.wakeUp();
            }
            return true;
        }
        // close_pdeo: the other side is releasing; wait until it is done.
        fs.releaseDone.waitEvent(() -> fs.release.get() == FileState.RELEASED);
        return false;
    }

    private <T> Result<T> refuse(String op, Errno errno, OpenFile file) {
        kernel.recorder().record(new RevokeEvent.AccessRefused(id, op, errno.name(), file.id(), null));
        return Result.err(errno);
    }

    // ---------------------------------------------------------------- file operations

    /** The wrapped {@code f_op}: {@code kernfs_fop_*}. */
    private final class Wrapped implements FileOperations {
        RevocableObject owner() {
            return RevocableObject.this;
        }

        @Override
        public Result<Void> open(OpenFile file) {
            int pid = file.opener().pid();
            if (!file.inode().permits(file.opener(), !file.isReadOnly())) {
                kernel.recorder().record(new RevokeEvent.OpenRefused(id, file.id(), pid, Errno.EACCES));
                return Result.err(Errno.EACCES);
            }
            int t = entries.tryEnter();
            if (t < 0) {
                kernel.recorder().record(new RevokeEvent.OpenRefused(id, file.id(), pid, errnos.open()));
                return Result.err(errnos.open());
            }
            try {
                Result<Void> r = driver.open(file);
                if (!r.isOk()) {
                    kernel.recorder().record(new RevokeEvent.OpenRefused(id, file.id(), pid, r.errnoOrNull()));
                    return r;
                }
                files.put(file, new FileState(file));
                kernel.recorder().record(new RevokeEvent.FileOpened(id, file.id(), pid));
                return r;
            } finally {
                entries.exit(t);
            }
        }

        @Override
        public Result<byte[]> read(OpenFile file, int count) {
            int t = ops.tryEnter();
            if (t < 0) {
                return refuse("read", errnos.read(), file);
            }
            try {
                return driver.read(file, count);
            } finally {
                ops.exit(t);
            }
        }

        @Override
        public Result<Integer> write(OpenFile file, byte[] data) {
            int t = ops.tryEnter();
            if (t < 0) {
                return refuse("write", errnos.write(), file);
            }
            try {
                return driver.write(file, data);
            } finally {
                ops.exit(t);
            }
        }

        @Override
        public Set<PollBit> poll(OpenFile file, PollTable table) {
            int t = ops.tryEnter();
            if (t < 0) {
                kernel.recorder().record(new RevokeEvent.AccessRefused(id, "poll", PollBit.format(errnos.poll()), file.id(), null));
                return errnos.poll();
            }
            try {
                return driver.poll(file, table);
            } finally {
                ops.exit(t);
            }
        }

        @Override
        public Result<Long> ioctl(OpenFile file, int cmd, long arg) {
            if (errnos.ioctl() == null) {
                return driver.ioctl(file, cmd, arg);
            }
            int t = ops.tryEnter();
            if (t < 0) {
                return refuse("ioctl", errnos.ioctl(), file);
            }
            try {
                return driver.ioctl(file, cmd, arg);
            } finally {
                ops.exit(t);
            }
        }

        @Override
        public Result<Long> llseek(OpenFile file, long offset, int whence) {
            if (errnos.llseek() == null) {
                return driver.llseek(file, offset, whence);
            }
            int t = ops.tryEnter();
            if (t < 0) {
                return refuse("llseek", errnos.llseek(), file);
            }
            try {
                return driver.llseek(file, offset, whence);
            } finally {
                ops.exit(t);
            }
        }

        @Override
        public boolean hasMmap() {
            return driver.hasMmap();
        }

        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            if (!driver.hasMmap()) {
                return refuseMmap(file, vma, Errno.ENODEV, "the file has no mmap");
            }
            int t = entries.tryEnter();
            if (t < 0) {
                return refuseMmap(file, vma, errnos.mmap(), "revoked");
            }
            try {
                Result<Void> r = driver.mmap(file, vma);
                if (!r.isOk()) {
                    return refuseMmap(file, vma, r.errnoOrNull(), "the driver's mmap failed");
                }
                if (vma.file() == file) {
                    VmOperations driverVm = vma.vmOps();
                    if (driverVm != null && driverVm.hasClose()) {
                        log.warn("{}: refusing mmap: the driver's vm_ops has ->close, which cannot be wrapped", id);
                        return refuseMmap(file, vma, Errno.EINVAL, "vm_ops has close, which cannot be wrapped");
                    }
                    if (driverVm != null && driverVm.hasPageMkwrite()) {
                        log.warn("{}: refusing mmap: the driver's vm_ops has ->page_mkwrite, which is not wrapped", id);
                        return refuseMmap(file, vma, Errno.EINVAL, "vm_ops has page_mkwrite, which is not wrapped");
                    }
                    FileState fs = files.get(file);
                    WrappedVm w = fs.vm;
                    if (w == null) {
                        w = new WrappedVm(driverVm);
                        fs.vm = w;
                    } else if (w.driverVm != driverVm) {
                        return refuseMmap(file, vma, Errno.EINVAL, "a second mmap of the file has different vm_ops");
                    }
                    vma.setVmOps(w);
                }
                kernel.recorder().record(new RevokeEvent.Mmapped(id, file.id(), vma.id(), vma.mm().owner().pid(),
                        vma.pgoff(), vma.pages(), vma.file().mapping().id(), vma.mm().populatedPages(vma)));
                return r;
            } finally {
                entries.exit(t);
            }
        }

        private Result<Void> refuseMmap(OpenFile file, Vma vma, Errno errno, String reason) {
            kernel.recorder().record(new RevokeEvent.MmapRefused(id, file.id(), vma.id(), vma.mm().owner().pid(),
                    vma.pgoff(), vma.pages(), errno, reason));
            return Result.err(errno);
        }

        /** The last reference to {@code file} is gone ({@code kernfs_fop_release}). */
        @Override
        public void release(OpenFile file) {
            FileState fs = files.get(file);
            if (fs == null) {
                return; // the open failed: ->release never runs for it
            }
            releaseOnce(file, fs, ReleaseCause.CLOSE);
            files.remove(file);
            kernel.recorder().record(new RevokeEvent.FileClosed(id, file.id()));
        }
    }

    // ---------------------------------------------------------------- vm operations

    /** The wrapped {@code vm_ops} of the mappings of one open file: {@code kernfs_vm_ops}. */
    private final class WrappedVm implements VmOperations {
        final VmOperations driverVm;

        WrappedVm(VmOperations driverVm) {
            this.driverVm = driverVm;
        }

        RevocableObject owner() {
            return RevocableObject.this;
        }

        @Override
        public void open(Vma vma) {
            if (vma.forkOrigin() != null) {
                kernel.recorder().record(new RevokeEvent.VmaDuplicated(id, vma.id(), vma.forkOrigin(), vma.mm().owner().pid(),
                        vma.mm().populatedPagesOf(vma.id())));
            }
            if (driverVm == null) {
                return;
            }
            int t = ops.tryEnter();
            if (t < 0) {
                return; // kernfs_vma_open: nothing to do once revoked
            }
            try {
                driverVm.open(vma);
            } finally {
                ops.exit(t);
            }
        }

        /** Bookkeeping only: the driver's own ->close is refused at mmap. */
        @Override
        public void close(Vma vma) {
            kernel.recorder().record(new RevokeEvent.VmaUnmapped(id, vma.id(), vma.pgoff(), vma.pages()));
        }

        @Override
        public FaultResult fault(VmFault vmf) {
            if (driverVm == null) {
                return FaultResult.SIGBUS;
            }
            int t = entries.tryEnter();
            if (t < 0) {
                kernel.recorder().record(new RevokeEvent.AccessRefused(id, "fault", Signal.SIGBUS.name(), null, vmf.vma().id()));
                return FaultResult.SIGBUS;
            }
            try {
                FaultResult r = driverVm.fault(vmf);
                if (r == FaultResult.NOPAGE) {
                    kernel.recorder().record(new RevokeEvent.Faulted(id, vmf.vma().id(), vmf.pgoff()));
                } else if (r == FaultResult.SIGBUS) { // the driver's own check refused the page
                    kernel.recorder().record(new RevokeEvent.AccessRefused(id, "fault", Signal.SIGBUS.name(), null,
                            vmf.vma().id(), RevokeEvent.AccessRefused.DRIVER, null));
                }
                return r;
            } finally {
                entries.exit(t);
            }
        }

        @Override
        public Result<Long> access(Vma vma, long addr, long value, boolean write) {
            int t = ops.tryEnter();
            if (t < 0) {
                kernel.recorder().record(new RevokeEvent.AccessRefused(id, "access", errnos.access().name(), null, vma.id()));
                return Result.err(errnos.access());
            }
            try {
                return driverVm == null ? Result.err(Errno.EINVAL) : driverVm.access(vma, addr, value, write);
            } finally {
                ops.exit(t);
            }
        }

        @Override
        public Result<Void> maySplit(Vma vma, long addr) {
            return driverVm == null ? Result.ok() : driverVm.maySplit(vma, addr);
        }

        @Override
        public Result<Void> mremap(Vma vma) {
            return driverVm == null ? Result.ok() : driverVm.mremap(vma);
        }

        /** Eager population after link, inside the guard: a revoke either waits for it or prevents it. */
        @Override
        public long mapped(Vma vma) {
            if (driverVm == null) {
                return 0;
            }
            int t = entries.tryEnter();
            if (t < 0) {
                return 0;
            }
            try {
                long n = driverVm.mapped(vma);
                if (n > 0) {
                    for (long i = 0; i < vma.pages(); i++) {
                        if (vma.mm().isPopulated(vma, i)) {
                            kernel.recorder().record(new RevokeEvent.Faulted(id, vma.id(), vma.pgoff() + i,
                                    RevokeEvent.Faulted.POPULATE));
                        }
                    }
                }
                return n;
            } finally {
                entries.exit(t);
            }
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
