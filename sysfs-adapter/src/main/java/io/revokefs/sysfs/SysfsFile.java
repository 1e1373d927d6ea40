package io.revokefs.sysfs;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.Inode;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One sysfs file (a kernfs attribute node): a revocable object of the core with the kernfs errno
 * table, and the inode userspace opens. Its path in sysfs ({@code /devices/.../resource0}) names the
 * object ({@code sysfs:/devices/.../resource0}); the inode is bound at that path under
 * {@value Sysfs#MOUNT} and at every path a symlink gives it.
 *
 * <p>After removal the file is gone from the namespace (open by path: ENOENT) and revoked (anyone
 * holding the inode, an open file or a mapping gets the sysfs column of SEMANTICS.md section 4).
 */
public final class SysfsFile {
    private final Sysfs sysfs;
    private final String path;
    private final RevocableObject object;
    private final Inode inode;
    /** Kernel paths the inode is bound at; changed under the sysfs tree lock. */
    private final List<String> boundAt = new CopyOnWriteArrayList<>();

    SysfsFile(Sysfs sysfs, String path, int mode, Function<SysfsFile, FileOperations> driver,
              Supplier<RevocableObject.ZapRange> zapRange) {
        this.sysfs = sysfs;
        this.path = Objects.requireNonNull(path, "path");
        RevocableObject.Builder b = RevocableObject.builder(sysfs.kernel(), Sysfs.OBJECT_PREFIX + path, Sysfs.ADAPTER)
                .operations(driver.apply(this))
                .errnos(ErrnoTable.KERNFS);
        if (zapRange != null) {
            b.zapRange(zapRange);
        }
        this.object = b.register();
        this.inode = sysfs.kernel().newInode(Sysfs.MOUNT + path, mode, 0, object.fileOperations(), object.mapping(), this);
    }

    /** The path inside sysfs, e.g. {@code /devices/pci0000:00/0000:00:02.0/resource0}. */
    public String path() {
        return path;
    }

    /** The revocable object's id in events: {@code sysfs:} and the path. */
    public String objectId() {
        return object.id();
    }

    /** The inode; held inodes outlive removal (an open of one after removal is ENODEV). */
    public Inode inode() {
        return inode;
    }

    /** The kernel paths the file is reachable at now (none once removed). */
    public List<String> kernelPaths() {
        return List.copyOf(boundAt);
    }

    /** Whether the file has been removed (and so revoked, or being revoked). */
    public boolean isRemoved() {
        return object.isRevoked();
    }

    /**
     * {@code kernfs_remove_self}: removes this file from inside one of its own operations (a store to
     * {@code remove}) without waiting for that operation itself. Gives up the caller's active
     * reference for the removal ({@code kernfs_break_active_protection}) and takes it back before
     * returning. Returns true for the one caller that removed the file; a concurrent second caller
     * waits until the removal is complete and returns false. The caller must then not touch the
     * driver state the file stood for, except to finish removing it.
     *
     * <p>Must be called on the thread running an operation of this file.
     */
    public boolean removeSelf() {
        return object.withProtectionBroken(() -> sysfs.removeFile(this, "remove"));
    }

    RevocableObject object() {
        return object;
    }

    List<String> boundAtMutable() {
        return boundAt;
    }

    @Override
    public String toString() {
        return object.id();
    }
}
