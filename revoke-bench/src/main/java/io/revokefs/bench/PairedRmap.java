package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Rmap;
import io.revokefs.core.kernel.Vma;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 20: the rmap query for one physical page ({@link Rmap#whoMaps}) in a world whose iomem
 * mapping holds {@code others} unrelated one-page VMAs (half below the page, half above, over 100
 * processes) beside the page's own three, populated, VMAs; the worlds with 100,000 others and with
 * none are timed side by side in one JVM by {@link Paired}. With the interval tree the query visits
 * O(log n) nodes and the three VMAs; a scan of the mapping would visit all.
 *
 * <p>{@code java -cp revoke-bench/target/revoke-bench.jar io.revokefs.bench.PairedRmap OTHERS ROUNDS}
 * runs it alone, with small counts to check it works.
 */
final class PairedRmap {
    /** The queried page: inside the bench device's MMIO, far from page 0. */
    static final long PAGE = World.BASE_PFN + 8;
    static final int MAPPERS = 3;
    static final int PER_BATCH = 2_000;

    record Result(double withOthersNanos, double withoutNanos) {
        double ratio() {
            return withOthersNanos / withoutNanos;
        }
    }

    /** One world: the iomem mapping with the page's {@value #MAPPERS} VMAs and {@code others} more. */
    static World world(int others) {
        World w = new World(1);
        AddressSpace iomem = w.kernel.iomemGetMapping();
        RevocableObject object = w.object("rmap0", iomem, null);
        for (int i = 0; i < MAPPERS; i++) {
            Process p = w.kernel.newProcess(0);
            Vma v = World.mmap(p, World.open(p, w.wrappedInode(object)), 1, PAGE);
            v.mm().remapPfnRange(v, 0, PAGE, 1); // vm_pgoff = PFN in the iomem mapping
        }
        w.mapOthers(w.plainInode("others", iomem), others, i -> i < others / 2 ? PAGE - 1 - i : PAGE + 1 + i);
        if (iomem.vmaCount() != MAPPERS + others) {
            throw new IllegalStateException("setup: " + iomem.vmaCount() + " VMAs in the iomem mapping");
        }
        check(w);
        return w;
    }

    /** The query finds exactly the page's own VMAs, each with its PTE. */
    static void check(World w) {
        List<Rmap.Hit> hits = Rmap.whoMaps(w.kernel, PAGE, 1);
        if (hits.size() != MAPPERS || Rmap.presentCount(hits) != MAPPERS) {
            throw new IllegalStateException("whoMaps found " + hits);
        }
    }

    static Result run(int others, int warmupRounds, int rounds) {
        World without = world(0);
        World with = world(others);
        System.gc();
        Map<String, Paired.Variant> variants = new LinkedHashMap<>();
        variants.put("without", () -> batch(without));
        variants.put("with", () -> batch(with));
        Map<String, Paired.Figure> p = Paired.run(variants, warmupRounds, rounds);
        check(without);
        check(with);
        return new Result(p.get("with").cpuNanos(), p.get("without").cpuNanos());
    }

    private static long batch(World w) {
        long found = 0;
        for (int i = 0; i < PER_BATCH; i++) {
            found += Rmap.whoMaps(w.kernel, PAGE, 1).size();
        }
        if (found != (long) MAPPERS * PER_BATCH) {
            throw new IllegalStateException("found " + found);
        }
        return PER_BATCH;
    }

    public static void main(String[] args) {
        int others = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 31;
        Result r = run(others, Math.max(1, rounds / 3), rounds);
        System.out.printf("rmap query, %d other VMAs vs none: %.0f / %.0f ns CPU = %.2f x%n", others, r.withOthersNanos(),
                r.withoutNanos(), r.ratio());
    }

    private PairedRmap() {
    }
}
