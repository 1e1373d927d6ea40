package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The iomem resource tree ({@code struct resource}, kernel/resource.c): which physical ranges are
 * which device's, and which are claimed ("busy") by a driver. Addresses are in pages here (the
 * kernel uses bytes; every range the simulation makes is page aligned).
 *
 * <p>{@link #requestRegion} is {@code __request_region}: after a successful claim it calls
 * {@code revoke_iomem} through the kernel, which zaps every userspace mapping of the range.
 */
public final class Iomem {
    /** Footprint key (Interleave.touch) of the resource tree, which is under the monitor. */
    private static final String KEY = "iomem";

    /** Resource flags ({@code IORESOURCE_*}). */
    public enum Flag { MEM, BUSY, EXCLUSIVE }

    /** A node of the tree. Mutable only under the tree's lock. */
    public static final class Resource {
        private final String name;
        private final long first;
        private final long pages;
        private final EnumSet<Flag> flags;
        private Resource parent;
        private final List<Resource> children = new ArrayList<>();

        Resource(String name, long first, long pages, Set<Flag> flags) {
            this.name = name;
            this.first = first;
            this.pages = pages;
            this.flags = flags.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(flags);
        }

        public String name() {
            return name;
        }

        public long firstPfn() {
            return first;
        }

        public long pages() {
            return pages;
        }

        public long lastPfn() {
            return first + pages - 1;
        }

        public boolean has(Flag f) {
            return flags.contains(f);
        }

        @Override
        public String toString() {
            return String.format("%s [0x%x-0x%x]%s", name, first, lastPfn(), flags);
        }
    }

    private final Kernel kernel;
    private final Resource root = new Resource("iomem", 0, Long.MAX_VALUE / 2, EnumSet.of(Flag.MEM));

    Iomem(Kernel kernel) {
        this.kernel = kernel;
    }

    public Resource root() {
        Interleave.touch(KEY, false);
        return root;
    }

    /**
     * Inserts a non-busy resource (a PCI BAR, "System RAM") under the deepest resource that contains
     * it. Throws {@link IllegalArgumentException} if it overlaps a sibling without nesting.
     */
    public synchronized Resource insert(String name, long firstPfn, long pages) {
        Interleave.touch(KEY, true);
        Resource r = new Resource(name, firstPfn, pages, EnumSet.of(Flag.MEM));
        Resource parent = deepestContaining(root, firstPfn, pages);
        for (Resource sibling : parent.children) {
            if (overlaps(sibling, firstPfn, pages)) {
                throw new IllegalArgumentException("resource " + r + " conflicts with " + sibling);
            }
        }
        r.parent = parent;
        parent.children.add(r);
        return r;
    }

    /** Removes a resource and its children (hot-unplug removes the BARs). */
    public synchronized void remove(Resource r) {
        Interleave.touch(KEY, true);
        if (r.parent != null) {
            r.parent.children.remove(r);
            r.parent = null;
        }
    }

    /**
     * {@code __request_region}: claims {@code [firstPfn, firstPfn + pages)} for a driver. Fails with
     * EBUSY when a busy resource overlaps it. On success, revokes every userspace mapping of the range
     * ({@code revoke_iomem}) before returning, as Linux does under CONFIG_IO_STRICT_DEVMEM
     * ({@code revoke_devmem} in drivers/char/mem.c from 5.8, {@code revoke_iomem} in kernel/resource.c
     * since 2021; it skips the zap when {@code devmem_is_allowed} still allows both ends, i.e.
     * {@code iomem=relaxed}, which the simulation does not model).
     */
    public Result<Resource> requestRegion(String name, long firstPfn, long pages, boolean exclusive) {
        Resource claimed;
        Interleave.touch(KEY, true);
        synchronized (this) {
            Resource parent = deepestContaining(root, firstPfn, pages);
            if (parent.has(Flag.BUSY)) {
                return Result.err(Errno.EBUSY);
            }
            for (Resource sibling : parent.children) {
                if (overlaps(sibling, firstPfn, pages)) {
                    return Result.err(Errno.EBUSY);
                }
            }
            EnumSet<Flag> flags = EnumSet.of(Flag.MEM, Flag.BUSY);
            if (exclusive) {
                flags.add(Flag.EXCLUSIVE);
            }
            claimed = new Resource(name, firstPfn, pages, flags);
            claimed.parent = parent;
            parent.children.add(claimed);
        }
        kernel.revokeIomem(claimed);
        return Result.ok(claimed);
    }

    /** {@code __release_region}. */
    public synchronized void releaseRegion(Resource claimed) {
        Interleave.touch(KEY, true);
        if (!claimed.has(Flag.BUSY)) {
            throw new IllegalArgumentException("not a claimed region: " + claimed);
        }
        remove(claimed);
    }

    /**
     * Whether any page of the range is claimed by a driver. With {@code IO_STRICT_DEVMEM} (which the
     * simulation models) every busy range is off limits to /dev/mem, not only exclusive ones.
     */
    public synchronized boolean isBusy(long firstPfn, long pages) {
        Interleave.touch(KEY, false);
        return anyBusy(root, firstPfn, pages);
    }

    private static boolean anyBusy(Resource node, long first, long pages) {
        for (Resource c : node.children) {
            if (overlaps(c, first, pages)) {
                if (c.has(Flag.BUSY) || anyBusy(c, first, pages)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code iomem_is_exclusive}: whether the page is in a busy, exclusive resource. */
    public synchronized boolean isExclusive(long pfn) {
        Interleave.touch(KEY, false);
        Resource r = deepestContaining(root, pfn, 1);
        for (Resource p = r; p != null; p = p.parent) {
            if (p.has(Flag.BUSY) && p.has(Flag.EXCLUSIVE)) {
                return true;
            }
        }
        return false;
    }

    private static Resource deepestContaining(Resource node, long first, long pages) {
        for (Resource c : node.children) {
            if (c.first <= first && c.lastPfn() >= first + pages - 1) {
                return deepestContaining(c, first, pages);
            }
        }
        return node;
    }

    private static boolean overlaps(Resource r, long first, long pages) {
        return r.first <= first + pages - 1 && r.lastPfn() >= first;
    }
}
