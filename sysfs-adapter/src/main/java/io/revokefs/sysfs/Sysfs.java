package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Kernel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A kernfs-style tree mounted at {@value #MOUNT}: directories, text attributes ({@link Attribute}),
 * binary attributes ({@link BinAttribute}) and directory symlinks. Each file is a
 * {@link RevocableObject} of the core (adapter {@value #ADAPTER}, {@code ErrnoTable.KERNFS}), whose
 * inode is bound in the kernel's namespace.
 *
 * <p>Paths given to this class are inside sysfs and absolute ({@code /devices/pci0000:00}); the
 * kernel paths are the same under {@value #MOUNT}. Bad paths (missing parent, name taken, relative)
 * are bad input: {@link IllegalArgumentException} naming the path.
 *
 * <p>{@link #remove} is {@code kernfs_remove}: the node and its subtree leave the namespace at once
 * (a lookup now fails with ENOENT), then each file is revoked through the core (deactivate, drain,
 * zap, release once), so a caller holding an inode, an open file or a mapping sees the sysfs column
 * of docs/semantics.md section 4. Directories are structure only: the simulation has no readdir, so
 * nothing userspace can hold goes through them.
 *
 * <p>Thread-safe: the tree changes under one lock ({@code kernfs_rwsem}), which is never held while
 * a file is revoked (the drain may wait on operations that look the tree up).
 */
public final class Sysfs {
    private static final Logger log = LoggerFactory.getLogger(Sysfs.class);

    /** Where the tree is mounted in the kernel's namespace. */
    public static final String MOUNT = "/sys";
    /** The adapter name in {@code ObjectRegistered}. */
    public static final String ADAPTER = "sysfs";
    /** Object ids are this prefix and the sysfs path. */
    public static final String OBJECT_PREFIX = "sysfs:";

    private final Kernel kernel;
    private final Object treeLock = new Object();
    /** Every node by sysfs path: a {@link SysfsFile}, or {@link #DIR} for a directory. */
    private final TreeMap<String, Object> nodes = new TreeMap<>();
    /** Directory symlinks: link path to target directory path. */
    private final Map<String, String> links = new TreeMap<>();
    private static final Object DIR = new Object();

    public Sysfs(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        nodes.put("/", DIR);
    }

    public Kernel kernel() {
        return kernel;
    }

    /** Creates a directory and any missing parents ({@code kobject_add} of a nested kobject). Idempotent. */
    public void mkdir(String path) {
        checkPath(path);
        synchronized (treeLock) {
            String p = "";
            for (String part : path.substring(1).split("/")) {
                p = p + "/" + part;
                Object n = nodes.get(p);
                if (n instanceof SysfsFile) {
                    throw new IllegalArgumentException("not a directory: " + p);
                }
                if (n == null) {
                    nodes.put(p, DIR);
                }
            }
        }
    }

    /** {@code sysfs_create_file}: a text attribute, root-owned with {@code mode}. */
    public SysfsFile createFile(String path, int mode, Attribute attribute) {
        Objects.requireNonNull(attribute, "attribute");
        return create(path, mode, f -> new AttributeOps(attribute, f), null);
    }

    /**
     * {@code sysfs_create_bin_file}: a binary attribute, root-owned with {@code mode}. {@code zapRange}
     * is what removal zaps (looked up at removal; null from it means nothing can be mapped yet); pass
     * {@code null} for the file's own mapping, right for an attribute whose opens keep the inode's.
     * An attribute with {@link BinAttribute#fMapping()} must say which range of that mapping is its.
     */
    public SysfsFile createBinFile(String path, int mode, BinAttribute attribute, Supplier<RevocableObject.ZapRange> zapRange) {
        Objects.requireNonNull(attribute, "attribute");
        return create(path, mode, f -> new BinOps(attribute, f), zapRange);
    }

    private SysfsFile create(String path, int mode, Function<SysfsFile, FileOperations> ops,
                             Supplier<RevocableObject.ZapRange> zapRange) {
        checkPath(path);
        synchronized (treeLock) {
            String parent = parentOf(path);
            if (nodes.get(parent) != DIR) {
                throw new IllegalArgumentException("no directory " + parent + " for " + path);
            }
            if (nodes.containsKey(path)) {
                throw new IllegalArgumentException("sysfs path already exists: " + path);
            }
            SysfsFile f = new SysfsFile(this, path, mode, ops, zapRange);
            nodes.put(path, f);
            bind(f, MOUNT + path);
            for (Map.Entry<String, String> l : links.entrySet()) {
                if (path.startsWith(l.getValue() + "/")) {
                    bind(f, MOUNT + l.getKey() + path.substring(l.getValue().length()));
                }
            }
            return f;
        }
    }

    /**
     * {@code sysfs_create_link} to a directory: every file under {@code target}, now and later, is
     * also reachable under {@code linkPath} (the kernel's namespace has no symlinks; the link is
     * resolved here). The link's parent directory must exist; the link goes when its target does.
     */
    public void symlink(String linkPath, String target) {
        checkPath(linkPath);
        checkPath(target);
        synchronized (treeLock) {
            if (nodes.get(target) != DIR) {
                throw new IllegalArgumentException("symlink target is not a directory: " + target);
            }
            if (nodes.get(parentOf(linkPath)) != DIR) {
                throw new IllegalArgumentException("no directory " + parentOf(linkPath) + " for link " + linkPath);
            }
            if (nodes.containsKey(linkPath) || links.containsKey(linkPath)) {
                throw new IllegalArgumentException("sysfs path already exists: " + linkPath);
            }
            links.put(linkPath, target);
            for (SysfsFile f : filesUnder(target)) {
                bind(f, MOUNT + linkPath + f.path().substring(target.length()));
            }
        }
    }

    /** The file at {@code path}, or ENOENT (a directory, or nothing). */
    public Result<SysfsFile> file(String path) {
        synchronized (treeLock) {
            return nodes.get(path) instanceof SysfsFile f ? Result.ok(f) : Result.err(Errno.ENOENT);
        }
    }

    /** Whether a node (file or directory) exists at {@code path}. */
    public boolean exists(String path) {
        synchronized (treeLock) {
            return nodes.containsKey(path);
        }
    }

    /**
     * {@code sysfs_notify}: the attribute at {@code path} changed; its pollers wake and see
     * {@code POLLERR|POLLPRI} ({@link SysfsFile#notifyPollers()}). ENOENT when no file is there.
     */
    public Result<Void> sysfsNotify(String path) {
        Result<SysfsFile> f = file(path);
        if (!f.isOk()) {
            return f.castErr();
        }
        f.value().notifyPollers();
        return Result.ok();
    }

    /** Removals under way: the removed path to the files being revoked (guarded by treeLock). */
    private final Map<String, List<SysfsFile>> removing = new java.util.HashMap<>();

    /**
     * {@code kernfs_remove}: removes the node at {@code path} and everything under it, and revokes each
     * file with {@code cause} (hot-unplug, ...). Returns the files revoked, or ENOENT when nothing is
     * there. Blocks until every revoke is complete. Must not be called from inside an operation of a
     * file being removed (use {@link SysfsFile#removeSelf()} for the file itself first).
     */
    public Result<Integer> remove(String path, String cause) {
        Objects.requireNonNull(cause, "cause");
        List<SysfsFile> gone;
        List<SysfsFile> underWay;
        synchronized (treeLock) {
            if ("/".equals(path)) {
                return Result.err(Errno.ENOENT);
            }
            if (!nodes.containsKey(path)) {
                underWay = filesBeingRemoved(path);
                gone = null;
            } else {
                underWay = null;
                gone = filesUnder(path);
                nodes.subMap(path, true, path + "/\uffff", true).keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
                links.entrySet().removeIf(l -> l.getKey().equals(path) || l.getKey().startsWith(path + "/")
                        || l.getValue().equals(path) || l.getValue().startsWith(path + "/"));
                for (SysfsFile f : gone) {
                    unbindAll(f);
                }
                removing.put(path, List.copyOf(gone));
            }
        }
        if (gone == null) {
            // R22: a removal of this node, or of a directory above it, is under way: wait for it as
            // kernfs_remove's second caller does (each revoke below waits for the first one).
            for (SysfsFile f : underWay) {
                f.object().revoke(cause);
            }
            return Result.err(Errno.ENOENT);
        }
        try {
            for (SysfsFile f : gone) {
                f.object().revoke(cause);
            }
        } finally {
            synchronized (treeLock) {
                removing.remove(path);
            }
        }
        log.debug("removed {} ({} files, {})", path, gone.size(), cause);
        return Result.ok(gone.size());
    }

    /** The files of removals under way that are at or under {@code path}, or above it; the caller holds treeLock. */
    private List<SysfsFile> filesBeingRemoved(String path) {
        List<SysfsFile> out = new ArrayList<>();
        removing.forEach((root, files) -> {
            boolean rootCoversPath = path.equals(root) || path.startsWith(root + "/");
            for (SysfsFile f : files) {
                if (rootCoversPath ? f.path().equals(path) || f.path().startsWith(path + "/")
                        : f.path().startsWith(path + "/")) {
                    out.add(f);
                }
            }
        });
        return out;
    }

    /**
     * Removes a symlink made with {@link #symlink}: its paths leave the namespace; the files stay at
     * their other paths. ENOENT when there is no such link.
     */
    public Result<Void> removeLink(String linkPath) {
        synchronized (treeLock) {
            String target = links.remove(linkPath);
            if (target == null) {
                return Result.err(Errno.ENOENT);
            }
            for (SysfsFile f : filesUnder(target)) {
                String p = MOUNT + linkPath + f.path().substring(target.length());
                if (kernel.unbind(p)) {
                    f.boundAtMutable().remove(p);
                }
            }
            return Result.ok();
        }
    }

    /** The second half of {@link SysfsFile#removeSelf()}: detach (once) and revoke (waits if another did). */
    boolean removeFile(SysfsFile f, String cause) {
        boolean first;
        synchronized (treeLock) {
            first = nodes.get(f.path()) == f;
            if (first) {
                nodes.remove(f.path());
                unbindAll(f);
            }
        }
        f.object().revoke(cause);
        return first;
    }

    private List<SysfsFile> filesUnder(String dir) {
        List<SysfsFile> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : nodes.subMap(dir, true, dir + "/\uffff", true).entrySet()) {
            if (e.getValue() instanceof SysfsFile f && (e.getKey().equals(dir) || e.getKey().startsWith(dir + "/"))) {
                out.add(f);
            }
        }
        return out;
    }

    private void bind(SysfsFile f, String kernelPath) {
        kernel.bind(kernelPath, f.inode());
        f.boundAtMutable().add(kernelPath);
    }

    private void unbindAll(SysfsFile f) {
        for (String p : f.kernelPaths()) {
            kernel.unbind(p);
        }
        f.boundAtMutable().clear();
    }

    private static String parentOf(String path) {
        int i = path.lastIndexOf('/');
        return i == 0 ? "/" : path.substring(0, i);
    }

    private static void checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("//") || path.length() < 2) {
            throw new IllegalArgumentException("bad sysfs path '" + path + "': absolute inside sysfs, e.g. /devices/pci0000:00");
        }
    }
}
