package io.revokefs.core;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.KernelObject;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.SigPoll;
import io.revokefs.kernel.VmOperations;
import io.revokefs.kernel.WaitQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A revocable object: what an adapter registers for each thing userspace can open (a sysfs
 * attribute, a proc entry, a uio device, /dev/mem). The adapter supplies the driver's
 * {@link FileOperations} and its {@link ErrnoTable}; the object hands out wrapped operations
 * ({@link #fileOperations()}) to put in the inode, which run every driver operation, and every vm
 * operation of every mapping, inside the object's guards. {@link #revoke(String)} then takes the
 * driver away from all of them at once (docs/semantics.md section 3):
 * <ol>
 *   <li>deactivate: no new operation enters;</li>
 *   <li>drain: wait for the operations in flight, waking the ones asleep in the object's
 *       {@link WaitQueue}s;</li>
 *   <li>zap: one {@code unmap_mapping_range} over each range of the object (usually one), so no PTE to its
 *       pages survives and later accesses raise SIGBUS;</li>
 *   <li>close: the driver's {@code vm_ops->close} once for every piece of its VMAs still mapped,
 *       taking each mm's {@code mmap_lock} in the kernel's order ({@link VmCloseStep}; docs/semantics.md
 *       section 9), for drivers that have one;</li>
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
 * <h2>Files</h2>
 * This file is the lifecycle: registration, the revoke steps, release-once (with {@link FileState},
 * {@code kernfs_open_file}), and the disable's zap
 * and the re-enable's repopulation. The wrapped operations, each an explicit enter / try / exit
 * around the driver's, are {@link WrappedFileOperations} ({@code kernfs_fop_*}) and
 * {@link WrappedVmOperations} ({@code kernfs_vm_ops}), as fs/kernfs/file.c keeps them.
 *
 * <p>Thread-safe. One object is one life: after revoke it stays revoked; a device that comes back
 * registers a new object.
 */
public final class RevocableObject implements KernelObject {
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
    private final EventRecorder recorder;
    private final String id;
    private final String adapter;
    final FileOperations driver;
    final ErrnoTable errnos;
    private final AddressSpace mapping;
    private final Supplier<List<ZapRange>> zapRanges;
    final Guard entries = new Guard();
    final Guard ops = new Guard();
    private final AtomicInteger life = new AtomicInteger(LIFE_ACTIVE);
    private final WaitQueue revokeDone;
    private volatile RevokeOutcome outcome;
    final Map<OpenFile, FileState> files = new ConcurrentHashMap<>();
    /** Opens so far: each file's {@link FileState#openOrder}. */
    final java.util.concurrent.atomic.AtomicLong opens = new java.util.concurrent.atomic.AtomicLong();
    /** kernfs's refusal of drivers whose vm_ops has close ({@link ObjectBuilder#refuseVmClose()}). */
    final boolean refusesVmClose;
    /** Pieces of VMAs owed a driver close ({@link WrappedVmOperations#reached}); 0 skips the close step. */
    final AtomicInteger openPieces = new AtomicInteger();
    /**
     * VMAs of a driver with close linked into i_mmap by an mmap ({@link WrappedVmOperations#mapped}, after
     * the link): the close step waits on it for a piece whose mmap reached the driver before the
     * revoke and linked it after the step's walk.
     */
    final java.util.concurrent.atomic.AtomicLong linkedPieces = new java.util.concurrent.atomic.AtomicLong();
    /** Every release done in this life, by file id; kept after the file is gone. */
    final Map<String, ReleaseCause> releases = new ConcurrentHashMap<>();
    private final List<WaitQueue> queues = new CopyOnWriteArrayList<>();
    /** Footprint key (Interleave.touch) of all the unlocked state above, declared at each access (also in FileState, the wrappers, VmCloseStep). */
    final String key;
    private final WrappedFileOperations wrapped = new WrappedFileOperations(this);

    /** See {@link ObjectBuilder#register()}; a null mapping or zap ranges take their defaults. */
    RevocableObject(Kernel kernel, String id, String adapter, Function<RevocableObject, FileOperations> driverOf,
                    ErrnoTable errnos, AddressSpace mapping, Supplier<List<ZapRange>> zapRanges, boolean refusesVmClose) {
        this.refusesVmClose = refusesVmClose;
        this.kernel = kernel;
        this.recorder = ObjectBuilder.recorderOf(kernel);
        this.id = id;
        this.key = "object " + id;
        this.adapter = adapter;
        this.errnos = errnos;
        this.mapping = mapping != null ? mapping : kernel.newAddressSpace(id);
        this.zapRanges = zapRanges != null ? zapRanges : () -> List.of(new ZapRange(this.mapping, 0, Long.MAX_VALUE));
        this.revokeDone = new WaitQueue("revoke " + id);
        // Last: the driver may ask the object for its wait queues and mapping (ObjectBuilder#operations(Function)).
        this.driver = Objects.requireNonNull(driverOf.apply(this), "the driver's operations");
    }

    /** Starts describing an object; {@link ObjectBuilder#register()} records {@code ObjectRegistered}. */
    public static ObjectBuilder builder(Kernel kernel, String id, String adapter) {
        return new ObjectBuilder(kernel, id, adapter);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String adapter() {
        return adapter;
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    /** The object's own mapping (the default {@code i_mapping} of its inodes). */
    @Override
    public AddressSpace mapping() {
        return mapping;
    }

    /** The wrapped file operations to install as the inodes' {@code i_fop}. */
    public FileOperations fileOperations() {
        return wrapped;
    }

    /** The object whose wrapped operations {@code file} uses, or null. */
    public static RevocableObject of(OpenFile file) {
        return file.fop() instanceof WrappedFileOperations w ? w.owner() : null;
    }

    @Override
    public boolean isRevoked() {
        Interleave.touch(key, false);
        return life.get() != LIFE_ACTIVE;
    }

    /** Files opened through this object and not yet gone (their last reference not dropped). */
    public List<OpenFile> openFiles() {
        Interleave.touch(key, false);
        return FileState.inOpenOrder(files).stream().map(Map.Entry::getKey).toList();
    }

    /** Every release done in this life: file id to who ran it. */
    public Map<String, ReleaseCause> releases() {
        Interleave.touch(key, false);
        return Map.copyOf(releases);
    }

    /**
     * A wait queue for the driver's blocking operations; revoke wakes it for good. A queue made after
     * revoke is already woken.
     */
    public WaitQueue newWaitQueue(String name) {
        WaitQueue q = new WaitQueue(id + " " + name);
        Interleave.touch(key, true);
        queues.add(q);
        if (isRevoked()) {
            q.kill();
        }
        return q;
    }

    // ---------------------------------------------------------------- revoke

    /**
     * Revokes the object: the steps of docs/semantics.md section 3, with section 9's close step. Blocks until every operation in
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
        Interleave.touch(key, true);
        if (!life.compareAndSet(LIFE_ACTIVE, LIFE_REVOKING)) {
            revokeDone.waitEvent(() -> life.get() == LIFE_REVOKED);
            Interleave.touch(key, false);
            RevokeOutcome o = outcome;
            return new RevokeOutcome(o.waited(), o.vmas(), o.ptes(), o.released(), false);
        }
        // 1. Deactivate. The entries that won the race are drained before RevokeStarted is recorded
        //    so that their events precede it (see the class comment).
        entries.deactivate();
        ops.deactivate();
        long waited = entries.inFlight() + ops.inFlight();
        entries.drain();
        record(new RevokeEvent.RevokeStarted(id, cause));
        // 2. Drain: wake sleepers so they can see the revoke and leave.
        Interleave.touch(key, false);
        for (WaitQueue q : queues) {
            q.kill();
        }
        // uio_unregister_device: wake_up_interruptible(&idev->wait), then kill_fasync(SIGIO, POLL_HUP);
        // step 4 turns fasync off.
        for (Map.Entry<OpenFile, FileState> e : FileState.inOpenOrder(files)) {
            e.getKey().killFasync(SigPoll.POLL_HUP);
        }
        ops.drain();
        record(new RevokeEvent.RevokeDrained(id, (int) Math.min(Integer.MAX_VALUE, waited)));
        // 3. Zap every mapping of the object's range(s).
        AddressSpace.ZapCount zapped = zapAndRecord(true);
        // 4. Close every piece still mapped, once (after the zap: nothing faults back in).
        VmCloseStep.run(this, zapRanges.get());
        // 5. Release every open file once.
        int released = 0;
        Interleave.touch(key, false);
        for (Map.Entry<OpenFile, FileState> e : FileState.inOpenOrder(files)) {
            e.getKey().setFasync(false);
            if (e.getValue().releaseOnce(this, e.getKey(), ReleaseCause.REVOKE)) {
                released++;
            }
        }
        // 6. Complete.
        record(new RevokeEvent.RevokeCompleted(id));
        RevokeOutcome o = new RevokeOutcome(waited, zapped.vmas(), zapped.ptes(), released, true);
        Interleave.touch(key, true);
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
     * driver's memory went away for a while: a reset, the memory-enable bit cleared). The driver
     * must refuse to map while disabled, checked under the page table lock ({@link PfnMapping}'s
     * {@code allowed}): a fault that checks and then inserts lets this zap run in between and keeps
     * a PTE to disabled memory (vfio-pci closes the same window with {@code memory_lock}; the
     * explorer finds it in a naive driver). Clear the driver's enable state first, then call this.
     * On re-enable, on-fault mappings fault back in by themselves and eager ones are repopulated by
     * {@link #repopulateMappings()}. Records {@code MappingsZapped}. Returns what was zapped.
     */
    public AddressSpace.ZapCount zapMappings() {
        // Inside the entry guard, so that the zap and its MappingsZapped never land between a
        // revoke's RevokeStarted and its zap step (the revoke drains this guard before recording
        // RevokeStarted). Once the object is being revoked there is nothing to do: the revoke's own zap
        // step, after this operation's drain, covers every mapping (R30).
        int t = entries.tryEnter();
        if (t < 0) {
            return new AddressSpace.ZapCount(0, 0);
        }
        try {
            return zapAndRecord(false);
        } finally {
            entries.exit(t);
        }
    }

    /**
     * Records {@code event} of this object unless it is being revoked, with the same ordering as
     * {@link #zapMappings()}: an event recorded here is before the revoke's {@code RevokeStarted}, never
     * inside the revoke. For an adapter's own events about a live object (vfio's {@code MemoryToggled}).
     * Returns whether it was recorded.
     */
    public boolean recordIfLive(RevokeEvent event) {
        if (!id.equals(event.object())) {
            throw new IllegalArgumentException("event of " + event.object() + " recorded by " + id);
        }
        int t = entries.tryEnter();
        if (t < 0) {
            return false;
        }
        try {
            record(event);
            return true;
        } finally {
            entries.exit(t);
        }
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
                record(new RevokeEvent.MappingsZapped(id, 0, 0, mapping.id(), 0, 0));
            }
            return new AddressSpace.ZapCount(0, 0);
        }
        int vmas = 0;
        long ptes = 0;
        for (ZapRange z : ranges) {
            AddressSpace.ZapCount c = z.mapping().unmapMappingRange(z.first(), z.count());
            vmas += c.vmas();
            ptes += c.ptes();
            record(new RevokeEvent.MappingsZapped(id, c.vmas(), c.ptes(), z.mapping().id(), z.first(), z.count()));
        }
        return new AddressSpace.ZapCount(vmas, ptes);
    }

    /**
     * vfio-style re-enable for eagerly populated mappings (R23): every VMA of the object's range that
     * has no PTE is populated again through its driver's {@link VmOperations#mapped}, inside the
     * guard, with locks taken {@code mmap_lock} before {@code i_mmap_rwsem}
     * ({@link AddressSpace#forEachVmaPerMm}, the walk the close step uses). Nothing happens once the object is revoked.
     * Returns the VMAs repopulated.
     */
    public int repopulateMappings() {
        List<ZapRange> ranges = zapRanges.get();
        if (ranges == null || isRevoked()) {
            return 0;
        }
        int[] n = {0};
        for (ZapRange z : ranges) {
            z.mapping().forEachVmaPerMm(z.first(), z.count(),
                    v -> v.vmOps() instanceof WrappedVmOperations w && w.owner() == this && v.mm().populatedPages(v) == 0,
                    v -> {
                        if (v.vmOps().mapped(v) > 0) {
                            n[0]++;
                        }
                    });
        }
        return n[0];
    }

    void record(RevokeEvent event) {
        Interleave.touch(EventRecorder.FOOTPRINT_KEY, true);
        recorder.record(event);
    }

    /** Every revocable object registered with {@code kernel}, in registration order (all lives). */
    public static List<RevocableObject> registered(Kernel kernel) {
        List<RevocableObject> all = new java.util.ArrayList<>();
        for (KernelObject o : kernel.objects()) {
            all.add((RevocableObject) o);
        }
        return all;
    }

    @Override
    public String toString() {
        return id;
    }
}
