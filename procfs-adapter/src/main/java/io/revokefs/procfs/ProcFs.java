package io.revokefs.procfs;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.ObjectBuilder;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.Inode;
import io.revokefs.core.kernel.Kernel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The simulated /proc: a tree of directories and entries ({@code struct proc_dir_entry}) in one
 * kernel. Each entry is a {@link RevocableObject} (id {@code procfs:<path>}, adapter {@code procfs})
 * whose driver operations are the entry's {@code proc_ops}; removing the entry unbinds its name and
 * revokes the object, which is what {@code remove_proc_entry} does with {@code proc_entry_rundown}
 * (fs/proc/generic.c, fs/proc/inode.c):
 * <ul>
 *   <li>the name goes first, so new opens by path fail with ENOENT;</li>
 *   <li>the rundown stops new entries ({@code use_pde} fails), waits for those in flight
 *       ({@code unuse_pde}), and releases every opener exactly once ({@code close_pdeo}: a close
 *       racing the rundown runs the release once and the loser waits for it) — all of which the core's
 *       revoke does, with the cause {@code remove_proc_entry};</li>
 *   <li>files still open then get the {@code proc_reg_*} results of {@link #ERRNOS}.</li>
 * </ul>
 * Unlike Linux, which leaves the vm_ops of a proc entry's mappings unwrapped, every mapping of an
 * entry is zapped at removal and faults afterwards raise SIGBUS (docs/procfs.md).
 *
 * <p>Thread-safe: the tree changes under one lock ({@code proc_subdir_lock}); the rundown runs outside it.
 */
public final class ProcFs {
    private static final Logger log = LoggerFactory.getLogger(ProcFs.class);

    /** The adapter name in {@code ObjectRegistered}. */
    public static final String ADAPTER = "procfs";
    /** The revoke cause of a removal. */
    public static final String CAUSE = "remove_proc_entry";
    /** The root of the tree. */
    public static final String ROOT = "/proc";

    /**
     * The procfs column of docs/semantics.md section 4: what {@code proc_reg_open} (ENOENT),
     * {@code proc_reg_read}/{@code _write} (EIO), {@code proc_reg_poll} ({@code DEFAULT_POLLMASK}),
     * {@code proc_reg_unlocked_ioctl} (ENOTTY), {@code proc_reg_llseek} (EINVAL) and
     * {@code proc_reg_mmap} (EIO) return once {@code use_pde} fails; the vm {@code ->access} op EINVAL
     * as {@code kernfs_vma_access} answers (procfs does not wrap vm operations; the ptrace or
     * /proc/pid/mem call sees EIO). An entry without {@code proc_lseek} gets ESPIPE and one without
     * {@code proc_mmap} EIO, before and after removal ({@link ProcRegOps}).
     */
    public static final ErrnoTable ERRNOS = ErrnoTable.PROCFS;

    private final Kernel kernel;
    /** Every directory and entry by absolute path; null value for a directory. Guarded by {@code this}. */
    private final Map<String, ProcEntry> nodes = new HashMap<>();

    public ProcFs(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        nodes.put(ROOT, null);
    }

    public Kernel kernel() {
        return kernel;
    }

    /**
     * {@code proc_mkdir}: a directory under an existing one. Idempotent for an existing directory.
     * Throws {@link IllegalArgumentException} when the parent does not exist or the name is an entry.
     */
    public synchronized void procMkdir(String path) {
        checkPath(path);
        if (nodes.containsKey(path)) {
            if (nodes.get(path) != null) {
                throw new IllegalArgumentException("proc_mkdir " + path + ": an entry has that name");
            }
            return;
        }
        requireParentDir(path);
        nodes.put(path, null);
    }

    /** Whether {@code path} is a directory of this tree. */
    public synchronized boolean isDirectory(String path) {
        return nodes.containsKey(path) && nodes.get(path) == null;
    }

    /**
     * {@code proc_create_data}: a new entry at {@code path} whose file operations are
     * {@code procOps} ({@code struct proc_ops}) and whose {@code pde_data} is {@code data}. Records
     * {@code ObjectRegistered} and binds the path. Throws {@link IllegalArgumentException} when the
     * parent directory is missing or the name exists.
     */
    public ProcEntry procCreate(String path, int mode, FileOperations procOps, Object data) {
        return create(path, mode, procOps, data, UnaryOperator.identity());
    }

    /** {@code proc_create_data} with the object's builder adjusted (the zap ranges of a /proc/bus/pci file). */
    ProcEntry create(String path, int mode, FileOperations procOps, Object data,
                     UnaryOperator<ObjectBuilder> customize) {
        checkPath(path);
        Objects.requireNonNull(procOps, "procOps");
        synchronized (this) {
            if (nodes.containsKey(path)) {
                throw new IllegalArgumentException("proc entry already exists: " + path);
            }
            requireParentDir(path);
            RevocableObject object = customize.apply(RevocableObject.builder(kernel, ADAPTER + ":" + path, ADAPTER)
                    .operations(new ProcRegOps(procOps)).errnos(ERRNOS)).register();
            Inode inode = kernel.newInode(path, mode, 0, object.fileOperations(), object.mapping(), data);
            ProcEntry entry = new ProcEntry(path, object, inode, data);
            nodes.put(path, entry);
            kernel.bind(path, inode);
            return entry;
        }
    }

    /** The live entry at {@code path}, or null. */
    public synchronized ProcEntry lookup(String path) {
        return nodes.get(path);
    }

    /**
     * {@code remove_proc_entry}: removes the entry (or empty directory) named {@code path}, then runs
     * the entry's rundown (the core's revoke, cause {@value #CAUSE}), returning when every operation
     * in flight has left and every open file is released. Returns false, as Linux's
     * {@code remove_proc_entry} WARNs and returns, when nothing has that name. Throws
     * {@link IllegalStateException} naming the children for a non-empty directory
     * ({@code remove_proc_entry} WARNs "removing non-empty directory" and leaks them; use
     * {@link #removeProcSubtree}).
     */
    public boolean removeProcEntry(String path) {
        ProcEntry entry;
        synchronized (this) {
            if (!nodes.containsKey(path) || path.equals(ROOT)) {
                log.warn("remove_proc_entry: no such entry {}", path);
                return false;
            }
            List<String> children = childrenOf(path);
            if (!children.isEmpty()) {
                throw new IllegalStateException("remove_proc_entry: removing non-empty directory " + path + " (holds " + children + ")");
            }
            entry = unlink(path);
        }
        if (entry != null) {
            entry.object().revoke(CAUSE);
        }
        return true;
    }

    /**
     * {@code proc_remove}: removes this very entry (not whatever has its name now), then runs its
     * rundown. Safe to call twice or concurrently: a later call waits for the first rundown (R22).
     */
    public void procRemove(ProcEntry entry) {
        synchronized (this) {
            if (nodes.get(entry.path()) == entry) {
                unlink(entry.path());
            }
        }
        entry.object().revoke(CAUSE);
    }

    /** {@code remove_proc_subtree}: removes {@code path} and everything under it, deepest first. Returns the entries run down. */
    public int removeProcSubtree(String path) {
        List<ProcEntry> removed = new ArrayList<>();
        synchronized (this) {
            if (!nodes.containsKey(path) || path.equals(ROOT)) {
                return 0;
            }
            List<String> all = new ArrayList<>(childrenDeep(path));
            all.sort((a, b) -> b.length() - a.length());
            all.add(path);
            for (String p : all) {
                ProcEntry e = unlink(p);
                if (e != null) {
                    removed.add(e);
                }
            }
        }
        for (ProcEntry e : removed) {
            e.object().revoke(CAUSE);
        }
        return removed.size();
    }

    /** Caller holds {@code this}. Returns the entry, or null for a directory. */
    private ProcEntry unlink(String path) {
        ProcEntry entry = nodes.remove(path);
        if (entry != null) {
            kernel.unbind(path);
        }
        return entry;
    }

    private List<String> childrenOf(String dir) {
        String prefix = dir + "/";
        return nodes.keySet().stream().filter(p -> p.startsWith(prefix) && p.indexOf('/', prefix.length()) < 0).sorted().toList();
    }

    private List<String> childrenDeep(String dir) {
        String prefix = dir + "/";
        return nodes.keySet().stream().filter(p -> p.startsWith(prefix)).toList();
    }

    private void requireParentDir(String path) {
        String parent = path.substring(0, path.lastIndexOf('/'));
        if (!nodes.containsKey(parent) || nodes.get(parent) != null) {
            throw new IllegalArgumentException("no proc directory " + parent + " for " + path);
        }
    }

    private static void checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith(ROOT + "/") || path.endsWith("/") || path.contains("//")) {
            throw new IllegalArgumentException("not a path under " + ROOT + ": '" + path + "'");
        }
    }
}
