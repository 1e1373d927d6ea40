package io.revokefs.sysfs;

import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.ScenarioWorld;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * sysfs's part of {@code revokefs fuzz}: up to three PCI devices with two BARs each, hot-unplugged
 * and claimed at random; after the run, no PTE may reach a claimed range through any view of
 * physical memory.
 */
final class SysfsFuzz implements FuzzGenerator {

    @Override
    public Session start(Context ctx) {
        return new Session() {
            final List<String> bdfs = new ArrayList<>();
            final List<String> paths = new ArrayList<>();
            final Map<String, long[]> barsOf = new HashMap<>(); // bdf -> {bar0 first, bar0 pages, bar2 first, bar2 pages}
            final List<long[]> claims = new ArrayList<>();
            final List<String> claimNames = new ArrayList<>();

            @Override
            public boolean global() {
                switch (ctx.random().nextInt(3)) {
                    case 0 -> {
                        if (bdfs.size() >= 3) {
                            return false;
                        }
                        int n = bdfs.size() + 2;
                        String bdf = String.format("0000:00:%02x.0", n);
                        long base = 0x80000 + n * 0x100L;
                        long p0 = 1 + ctx.random().nextInt(8);
                        long p2 = 1 + ctx.random().nextInt(4);
                        if (ctx.run("pci " + bdf + " bar0=" + p0 + "@0x" + Long.toHexString(base) + " bar2=" + p2 + "@0x"
                                + Long.toHexString(base + 0x40)).equals("ok")) {
                            bdfs.add(bdf);
                            barsOf.put(bdf, new long[] {base, p0, base + 0x40, p2});
                            ctx.addPhysicalRange(base, p0);
                            ctx.addPhysicalRange(base + 0x40, p2);
                            paths.add(PciBus.resourcePath(bdf, 0));
                            paths.add(PciBus.resourcePath(bdf, 2));
                        }
                        return true;
                    }
                    case 1 -> {
                        if (bdfs.isEmpty()) {
                            return false;
                        }
                        ctx.run("remove " + bdfs.get(ctx.random().nextInt(bdfs.size())));
                        return true;
                    }
                    default -> {
                        if (bdfs.isEmpty()) {
                            return false;
                        }
                        String bdf = bdfs.get(ctx.random().nextInt(bdfs.size()));
                        String bar = ctx.random().nextBoolean() ? "bar0" : "bar2";
                        if (ctx.run("claim " + bdf + " " + bar).equals("ok")) {
                            long[] b = barsOf.get(bdf);
                            claims.add(bar.equals("bar0") ? new long[] {b[0], b[1]} : new long[] {b[2], b[3]});
                            claimNames.add(bdf + " " + bar);
                        }
                        return true;
                    }
                }
            }

            @Override
            public List<String> paths() {
                return paths;
            }

            @Override
            public OptionalLong mmapOffset(String path) {
                return path.startsWith("/sys/") ? OptionalLong.of(ctx.random().nextInt(3)) : OptionalLong.empty(); // BAR-relative
            }

            @Override
            public List<String> check(ScenarioWorld world) {
                List<String> problems = new ArrayList<>();
                Kernel kernel = world.kernel();
                for (Process p : kernel.processes()) {
                    for (Vma v : p.mm().vmas()) {
                        if (v.file() == null || v.file().mapping() != kernel.iomemMapping()) {
                            continue;
                        }
                        for (int c = 0; c < claims.size(); c++) {
                            long[] claimed = claims.get(c);
                            for (long i = 0; i < v.pages(); i++) {
                                long pfn = v.pgoff() + i;
                                if (pfn >= claimed[0] && pfn < claimed[0] + claimed[1] && p.mm().isPopulated(v, i)) {
                                    problems.add("live PTE to a claimed page: " + v + " page 0x" + Long.toHexString(pfn)
                                            + " of " + claimNames.get(c));
                                }
                            }
                        }
                    }
                }
                return problems;
            }
        };
    }
}
