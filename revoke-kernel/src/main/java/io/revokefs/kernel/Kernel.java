package io.revokefs.kernel;

import io.revokefs.kernel.internal.KernelAccess;
import io.revokefs.kernel.internal.Interleave;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated kernel: physical memory, the iomem resource tree and its one shared mapping,
 * processes, and the id counters of a run. Every revocable object belongs to one kernel, which
 * keeps its name ({@link KernelObject}) and reports what it does itself to its {@link Tracepoints}
 * (the run's event recorder, in revoke-core).
 */
public final class Kernel {
    /** Bytes per page. */
    public static final long PAGE_SIZE = 4096;
    /**
     * The size of a process's address space: x86-64's {@code TASK_SIZE_MAX} with 4-level paging,
     * {@code (1 << 47) - PAGE_SIZE}. mmap past it is ENOMEM (x86's arch_get_unmapped_area:
     * {@code if (len > end) return -ENOMEM}, {@code end} from find_start_end being the task size);
     * munmap past it is EINVAL (do_vmi_munmap: {@code start > TASK_SIZE || len > TASK_SIZE - start}).
     */
    public static final long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** The object id under which {@code revoke_iomem} records its zaps. */
    public static final String IOMEM_OBJECT = "iomem";

    private static final VarHandle IOMEM_MAPPING;

    static {
        try {
            IOMEM_MAPPING = MethodHandles.lookup().findVarHandle(Kernel.class, "iomemMapping", AddressSpace.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Tracepoints tracepoints;
    private final PhysicalMemory phys = new PhysicalMemory();
    private final Iomem iomem = new Iomem(this);
    // Footprint keys (Interleave.touch) of the registries, none behind a TrackedLock.
    private static final String KEY_PIDS = "kernel processes";
    private static final String KEY_OBJECTS = "kernel objects";
    private static final String KEY_MAPPINGS = "kernel mapping ids";
    private static final String KEY_NAMESPACE = "kernel namespace";
    private static final String KEY_FILE_IDS = "kernel file ids";
    private static final String KEY_VMA_IDS = "kernel vma ids";
    private static final String KEY_IOMEM_MAPPING = "kernel iomem mapping";
    private final AtomicInteger pids = new AtomicInteger(0);
    private final AtomicLong fileIds = new AtomicLong();
    private final AtomicLong vmaIds = new AtomicLong();
    private final Set<String> mappingIds = new HashSet<>();
    private final Map<Integer, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, Inode> namespace = new ConcurrentHashMap<>();
    private final List<KernelObject> objects = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The latest life registered under each id; guarded by itself. */
    private final Map<String, KernelObject> latestById = new java.util.HashMap<>();
    /**
     * The iomem inode's mapping ({@code iomem_inode->i_mapping}): published once with
     * {@link #publishIomemMapping()} ({@code smp_store_release} in {@code iomem_init_inode}) and read
     * with acquire ({@code smp_load_acquire} in {@code iomem_get_mapping} and {@code revoke_iomem}).
     */
    @SuppressWarnings("unused") // accessed through IOMEM_MAPPING
    private AddressSpace iomemMapping;

    /** A kernel that reports its own doing to {@code tracepoints} (a revoke-core {@code EventRecorder}). */
    public Kernel(Tracepoints tracepoints) {
        this.tracepoints = java.util.Objects.requireNonNull(tracepoints, "tracepoints");
    }

    static {
        KernelAccess.set(new KernelAccess.Access() {
            @Override
            public Tracepoints tracepoints(Kernel kernel) {
                return kernel.tracepoints;
            }

            @Override
            public void addObject(Kernel kernel, KernelObject object) {
                kernel.addObject(object);
            }
        });
    }

    public PhysicalMemory physicalMemory() {
        return phys;
    }

    public Iomem iomem() {
        return iomem;
    }

    // ---------------------------------------------------------------- processes

    /** A new process with an empty mm. Root ({@code uid} 0) gets every capability. */
    public Process newProcess(int uid) {
        return newProcess(uid, uid == 0 ? EnumSet.allOf(Capability.class) : EnumSet.noneOf(Capability.class));
    }

    public Process newProcess(int uid, Set<Capability> caps) {
        Interleave.touch(KEY_PIDS, true); // pids in order of creation; the registry of processes
        Process p = new Process(this, pids.incrementAndGet(), uid, caps);
        processes.put(p.pid(), p);
        return p;
    }

    void reap(Process p) {
        Interleave.touch(KEY_PIDS, true);
        processes.remove(p.pid());
    }

    /** Live processes, by pid. */
    public List<Process> processes() {
        Interleave.touch(KEY_PIDS, false);
        List<Process> list = new ArrayList<>(processes.values());
        list.sort((a, b) -> Integer.compare(a.pid(), b.pid()));
        return list;
    }

    // ---------------------------------------------------------------- files and mappings

    /** Every revocable object registered with this kernel, in registration order (all lives). */
    public List<KernelObject> objects() {
        Interleave.touch(KEY_OBJECTS, false);
        return List.copyOf(objects);
    }

    /**
     * Called by {@code ObjectBuilder#register()} (through {@link KernelAccess}): the object starts a
     * life in this kernel. An id names one live object at a time, as a kernfs or procfs name names
     * one node: registering under the id of an object not yet revoked throws
     * {@link IllegalArgumentException} naming the id (a new life under an id starts only once the
     * previous one's revoke has begun). Atomic with respect to concurrent registrations.
     */
    private void addObject(KernelObject object) {
        if (object.kernel() != this) {
            throw new IllegalArgumentException("object " + object.id() + " belongs to another kernel");
        }
        Interleave.touch(KEY_OBJECTS, true);
        synchronized (latestById) {
            KernelObject o = latestById.get(object.id());
            if (o != null && !o.isRevoked()) {
                throw new IllegalArgumentException("object id '" + object.id() + "' belongs to a live object ("
                        + o.adapter() + "); revoke it before registering another under that id");
            }
            latestById.put(object.id(), object);
            objects.add(object);
        }
    }

    /** A new {@code address_space} with a run-unique id ({@code name}, or {@code name#2} and so on). */
    public AddressSpace newAddressSpace(String name) {
        Interleave.touch(KEY_MAPPINGS, true);
        synchronized (mappingIds) {
            String id = name;
            for (int n = 2; !mappingIds.add(id); n++) {
                id = name + "#" + n;
            }
            return new AddressSpace(id);
        }
    }

    /** A new inode. {@code mapping} is its {@code i_mapping}; several inodes may share one. */
    public Inode newInode(String path, int mode, int uid, FileOperations fop, AddressSpace mapping, Object privateData) {
        return new Inode(path, mode, uid, fop, mapping, privateData);
    }

    /**
     * Makes {@code inode} reachable at {@code path} (a dentry). Throws {@link IllegalArgumentException}
     * if the path is taken: a name names one inode.
     */
    public void bind(String path, Inode inode) {
        Interleave.touch(KEY_NAMESPACE, true);
        if (namespace.putIfAbsent(path, inode) != null) {
            throw new IllegalArgumentException("path already exists: " + path);
        }
    }

    /** Removes the name; open files and mappings of the inode are unaffected. Returns whether it existed. */
    public boolean unbind(String path) {
        Interleave.touch(KEY_NAMESPACE, true);
        return namespace.remove(path) != null;
    }

    /** Path lookup: the inode, or ENOENT. */
    public io.revokefs.kernel.Result<Inode> lookup(String path) {
        Interleave.touch(KEY_NAMESPACE, false);
        Inode i = namespace.get(path);
        return i == null ? io.revokefs.kernel.Result.err(io.revokefs.kernel.Errno.ENOENT) : io.revokefs.kernel.Result.ok(i);
    }

    /** Every bound path, sorted. */
    public List<String> paths() {
        Interleave.touch(KEY_NAMESPACE, false);
        List<String> list = new ArrayList<>(namespace.keySet());
        list.sort(null);
        return list;
    }

    String nextFileId() {
        Interleave.touch(KEY_FILE_IDS, true); // ids in order of creation: they are in the log
        return "file-" + fileIds.incrementAndGet();
    }

    String nextVmaId() {
        Interleave.touch(KEY_VMA_IDS, true);
        return "vma-" + vmaIds.incrementAndGet();
    }

    // ---------------------------------------------------------------- iomem

    /** The published iomem mapping, or {@code null} before {@link #publishIomemMapping()}. */
    public AddressSpace iomemMapping() {
        Interleave.touch(KEY_IOMEM_MAPPING, false);
        return (AddressSpace) IOMEM_MAPPING.getAcquire(this);
    }

    /**
     * {@code iomem_init_inode}: publishes the one iomem mapping (idempotent). Pairs its release with
     * the acquire in {@link #iomemMapping()}.
     */
    public AddressSpace publishIomemMapping() {
        AddressSpace m = iomemMapping();
        if (m != null) {
            return m;
        }
        AddressSpace fresh = newAddressSpace(IOMEM_OBJECT);
        fresh.setPfnMapping(PfnMapping.identity()); // every view maps vm_pgoff = PFN
        Interleave.touch(KEY_IOMEM_MAPPING, true);
        AddressSpace witness = (AddressSpace) IOMEM_MAPPING.compareAndExchangeRelease(this, null, fresh);
        return witness == null ? fresh : witness;
    }

    /**
     * {@code iomem_get_mapping}: the mapping every view of physical memory uses ({@code /dev/mem},
     * sysfs {@code resourceN}, {@code /proc/bus/pci}). The simulation publishes it on first use, which
     * stands for the initcall that runs before any such file can be opened.
     */
    public AddressSpace iomemGetMapping() {
        return publishIomemMapping();
    }

    /**
     * {@code revoke_iomem}: zaps every userspace mapping of the resource's range through the iomem
     * mapping. Before the mapping is published there is nothing to zap (no mapping can exist yet).
     * Records a {@code MappingsZapped} under the object {@value #IOMEM_OBJECT}.
     */
    public AddressSpace.ZapCount revokeIomem(Iomem.Resource res) {
        AddressSpace m = iomemMapping();
        AddressSpace.ZapCount z = m == null ? new AddressSpace.ZapCount(0, 0) : m.unmapMappingRange(res.firstPfn(), res.pages());
        tracepoints.iomemRevoked(z.vmas(), z.ptes(), m == null ? IOMEM_OBJECT : m.id(), res.firstPfn(), res.pages());
        return z;
    }
}
