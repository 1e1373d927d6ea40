package io.revokefs.kernel;

import io.revokefs.kernel.internal.Interleave;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Physical memory: RAM and MMIO ranges, each page holding one 64-bit word (enough to observe
 * through which mapping a store lands; a full 4 KiB per page would make a million mapped pages cost
 * gigabytes). Page contents are allocated when a region is added.
 *
 * <p>Thread-safe: regions are added under this object's lock and looked up under it; page words
 * are atomic.
 */
public final class PhysicalMemory {

    /** What a range of page frames is. */
    public enum Kind { RAM, MMIO }

    /** A contiguous range of page frames. {@code owner} names the device for MMIO ("0000:00:02.0 BAR0"). */
    public record Region(long firstPfn, long pages, Kind kind, String owner) {
        public long lastPfn() {
            return firstPfn + pages - 1;
        }

        public boolean contains(long pfn) {
            return pfn >= firstPfn && pfn <= lastPfn();
        }
    }

    /** Footprint key (Interleave.touch) of the regions (under the monitor); each page's word has its own ({@link Word}). */
    private static final String KEY = "physical memory";

    /** Footprint key of the word of one page. */
    private record Word(long pfn) {
    }

    private record Backed(Region region, AtomicLongArray words) {
    }

    private final TreeMap<Long, Backed> regions = new TreeMap<>();

    /** Adds RAM; throws {@link IllegalArgumentException} naming the clash if it overlaps a region. */
    public Region addRam(long firstPfn, long pages) {
        return add(new Region(firstPfn, pages, Kind.RAM, "System RAM"));
    }

    /** Adds an MMIO range owned by a device BAR; throws on overlap. */
    public Region addMmio(long firstPfn, long pages, String owner) {
        return add(new Region(firstPfn, pages, Kind.MMIO, owner));
    }

    private synchronized Region add(Region r) {
        Interleave.touch(KEY, true);
        if (r.pages() <= 0 || r.firstPfn() < 0) {
            throw new IllegalArgumentException("bad physical range " + r);
        }
        if (r.pages() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("physical range too large to simulate: " + r.pages() + " pages");
        }
        Map.Entry<Long, Backed> below = regions.floorEntry(r.lastPfn());
        if (below != null && below.getValue().region().lastPfn() >= r.firstPfn()) {
            throw new IllegalArgumentException("physical range " + describe(r) + " overlaps " + describe(below.getValue().region()));
        }
        regions.put(r.firstPfn(), new Backed(r, new AtomicLongArray((int) r.pages())));
        return r;
    }

    /** Removes the region starting at {@code firstPfn} (a device's BAR on hot-unplug). */
    public synchronized void remove(Region r) {
        Interleave.touch(KEY, true);
        regions.remove(r.firstPfn());
    }

    /** The region holding {@code pfn}, or {@code null}. */
    public synchronized Region regionOf(long pfn) {
        Interleave.touch(KEY, false);
        Backed b = backed(pfn);
        return b == null ? null : b.region();
    }

    private Backed backed(long pfn) {
        Map.Entry<Long, Backed> e = regions.floorEntry(pfn);
        return e != null && e.getValue().region().contains(pfn) ? e.getValue() : null;
    }

    public boolean isRam(long pfn) {
        Region r = regionOf(pfn);
        return r != null && r.kind() == Kind.RAM;
    }

    /** Whether any page of {@code [firstPfn, firstPfn + pages)} is RAM. */
    public synchronized boolean intersectsRam(long firstPfn, long pages) {
        Interleave.touch(KEY, false);
        long last = firstPfn + pages - 1;
        Map.Entry<Long, Backed> e = regions.floorEntry(firstPfn);
        Long key = e != null ? e.getKey() : regions.ceilingKey(firstPfn);
        for (Backed b : key == null ? java.util.List.<Backed>of() : regions.tailMap(key, true).values()) {
            Region r = b.region();
            if (r.firstPfn() > last) {
                break;
            }
            if (r.kind() == Kind.RAM && r.lastPfn() >= firstPfn) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first page of a free physical range of {@code pages} pages at or above {@code from},
     * for placing device BARs when the user does not say where.
     */
    public synchronized long findFree(long pages, long from) {
        Interleave.touch(KEY, false);
        long candidate = from;
        for (Backed b : regions.values()) {
            Region r = b.region();
            if (r.lastPfn() < candidate) {
                continue;
            }
            if (r.firstPfn() >= candidate + pages) {
                break;
            }
            candidate = r.lastPfn() + 1;
        }
        return candidate;
    }

    /** Reads the word of page {@code pfn}; {@code false} in {@code ok[0]} when no memory is there. */
    long load(long pfn, boolean[] ok) {
        Backed b;
        Interleave.touch(KEY, false);
        Interleave.touch(new Word(pfn), false);
        synchronized (this) {
            b = backed(pfn);
        }
        if (b == null) {
            ok[0] = false;
            return 0;
        }
        ok[0] = true;
        return b.words().get((int) (pfn - b.region().firstPfn()));
    }

    /** Writes the word of page {@code pfn}; returns false when no memory is there. */
    boolean store(long pfn, long value) {
        Backed b;
        Interleave.touch(KEY, false);
        Interleave.touch(new Word(pfn), true);
        synchronized (this) {
            b = backed(pfn);
        }
        if (b == null) {
            return false;
        }
        b.words().set((int) (pfn - b.region().firstPfn()), value);
        return true;
    }

    private static String describe(Region r) {
        return String.format("[0x%x-0x%x] (%s %s)", r.firstPfn(), r.lastPfn(), r.kind(), r.owner());
    }
}
