package io.revokefs.devmem;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.PfnMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * {@code /dev/mem} (drivers/char/mem.c) on revoke-core: the character device {@code c 1 1} that maps
 * physical memory at the physical page given as the mmap offset.
 *
 * <p>What it models:
 * <ul>
 *   <li>{@code open_port}: an open needs {@code CAP_SYS_RAWIO} (EPERM otherwise) and sets the file's
 *       {@code f_mapping} to the one iomem mapping ({@code iomem_get_mapping()}), so every mapping of
 *       physical memory, through any inode, is linked into one {@code i_mmap};</li>
 *   <li>{@code mmap_mem}: {@code vm_pgoff} is the physical page; a range with RAM in it, or with a
 *       page claimed by a driver, is refused with EPERM ({@code range_is_allowed} under
 *       {@code STRICT_DEVMEM} and {@code IO_STRICT_DEVMEM});</li>
 *   <li>{@code revoke_iomem}: the object itself is never revoked by a claim; the claim's zap over the
 *       iomem mapping ({@link Kernel#revokeIomem}, called by {@code Iomem.requestRegion}) removes
 *       its PTEs in the claimed range and leaves the others.</li>
 * </ul>
 * Any number of device nodes ({@link #mknod}) share the same operations and, through
 * {@code f_mapping}, the same mapping: a zap reaches them all (docs/races.md R13).
 *
 * <p>Unlike Linux, which populates in {@code ->mmap} with {@code remap_pfn_range} (and so has the R04
 * window against {@code revoke_iomem}), mappings are populated on fault by default, each fault
 * re-checking that the page is still allowed (SIGBUS otherwise); {@link PfnMapping.Populate#AFTER_LINK} is
 * offered as the eager alternative.
 *
 * <p>Thread-safe. The object lives as long as the kernel: there is no unregister, as in Linux.
 */
public final class DevMem {
    private static final Logger log = LoggerFactory.getLogger(DevMem.class);

    /** The usual path of the device node. */
    public static final String PATH = "/dev/mem";
    /** The revocable object's id in events. */
    public static final String OBJECT_ID = "devmem:/dev/mem";
    /** The adapter name in {@code ObjectRegistered}. */
    public static final String ADAPTER = "devmem";
    /** {@code crw-r----- root kmem}: owner read-write, group read, others nothing. */
    public static final int MODE = 0640;

    /** ENODEV everywhere, as kernfs: /dev/mem is never revoked, but the builder requires a table. */
    static final ErrnoTable ERRNOS = ErrnoTable.KERNFS;

    private final Kernel kernel;
    private final RevocableObject object;
    private final Inode inode;

    private DevMem(Kernel kernel, PfnMapping.Populate populate) {
        this.kernel = kernel;
        this.object = RevocableObject.builder(kernel, OBJECT_ID, ADAPTER)
                .operations(new MemDriver(kernel, populate))
                .errnos(ERRNOS)
                // Everything /dev/mem maps is in the iomem mapping: revoking the device itself would
                // take every view of physical memory away. Nothing before the mapping is published.
                .zapRange(() -> {
                    AddressSpace m = kernel.iomemMapping();
                    return m == null ? null : new RevocableObject.ZapRange(m, 0, Long.MAX_VALUE);
                })
                .register();
        this.inode = mknod(PATH);
    }

    /** Registers /dev/mem on {@code kernel}, populating on fault, and binds {@value #PATH}. */
    public static DevMem register(Kernel kernel) {
        return register(kernel, PfnMapping.Populate.ON_FAULT);
    }

    /**
     * Registers /dev/mem on {@code kernel} and binds {@value #PATH}. Throws
     * {@link IllegalArgumentException} if the path is taken (one /dev/mem per kernel).
     */
    public static DevMem register(Kernel kernel, PfnMapping.Populate populate) {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(populate, "populate");
        DevMem d = new DevMem(kernel, populate);
        log.debug("registered {} ({})", OBJECT_ID, populate);
        return d;
    }

    /**
     * {@code mknod PATH c 1 1}: another inode for the same device, root-owned, mode {@value #MODE}
     * (octal 0640), bound at {@code path}. It has its own {@code i_mapping}, as a new inode does; its
     * open files use the iomem mapping like every other. Throws {@link IllegalArgumentException} if
     * the path is taken.
     */
    public Inode mknod(String path) {
        Objects.requireNonNull(path, "path");
        Inode i = kernel.newInode(path, MODE, 0, object.fileOperations(), kernel.newAddressSpace("devmem:" + path), null);
        kernel.bind(path, i);
        return i;
    }

    /** The inode bound at {@value #PATH}. */
    public Inode inode() {
        return inode;
    }

    /** The revocable object all device nodes share. */
    RevocableObject object() {
        return object;
    }
}
