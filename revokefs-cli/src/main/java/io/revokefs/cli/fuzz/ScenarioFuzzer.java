package io.revokefs.cli.fuzz;

import io.revokefs.cli.scenario.ScenarioParser;
import io.revokefs.cli.scenario.ScenarioRunner;
import io.revokefs.cli.scenario.Step;
import io.revokefs.cli.scenario.World;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;
import io.revokefs.history.Auditor;
import io.revokefs.history.LiveState;
import io.revokefs.history.ReplayState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random scenarios across every adapter: PCI devices seen through sysfs, /proc/bus/pci and /dev/mem
 * (and mknod aliases), uio devices, proc entries; processes that open, map, load, store, read,
 * write, poll, fork, split, move, close and exit; devices removed, claimed, unregistered.
 *
 * <p>Lines are generated one at a time against the run's actual state and run at once; each is
 * recorded with {@code expect=} set to the outcome it had, so the recorded script replays the same
 * run under {@code revokefs run}. After the run: the auditor finds nothing, the state replayed from
 * the log equals the live state, and no PTE reaches the pages of a revoked object or of a range a
 * driver claimed. A failing scenario names its seed and carries its script.
 */
public final class ScenarioFuzzer {

    /** One generated scenario: its script and what was wrong with the run (empty when nothing). */
    public record Outcome(long seed, List<String> script, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final int steps;

    /** A physical range a driver claimed during the run. */
    private record Claimed(String what, long firstPfn, long pages) {
    }

    public ScenarioFuzzer(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        this.steps = steps;
    }

    /** Generates and runs the scenario of {@code seed}. */
    public Outcome run(long seed) {
        Gen g = new Gen(seed);
        List<String> problems = new ArrayList<>();
        try {
            for (int i = 0; i < steps; i++) {
                g.step();
            }
            g.finish();
        } catch (RuntimeException e) {
            problems.add("exception at line " + g.script.size() + ": " + e);
        } finally {
            g.world.shutdown();
        }
        if (problems.isEmpty()) {
            problems.addAll(check(g));
        }
        return new Outcome(seed, List.copyOf(g.script), problems);
    }

    private static List<String> check(Gen g) {
        List<String> problems = new ArrayList<>();
        List<RecordedEvent> events = g.log.events();
        Auditor.audit(events).forEach(f -> problems.add("audit: " + f));
        Kernel kernel = g.world.kernel();
        ReplayState replayed = ReplayState.of(events).registeredOnly();
        ReplayState live = LiveState.of(kernel, events.size());
        if (!replayed.objects().equals(live.objects())) {
            problems.add("replayed state differs from the live state:\n  replayed " + replayed.objects()
                    + "\n  live     " + live.objects());
        }
        for (Process p : kernel.processes()) {
            for (Vma v : p.mm().vmas()) {
                RevocableObject o = v.file() == null ? null : RevocableObject.of(v.file());
                if (o != null && o.isRevoked() && p.mm().populatedPages(v) > 0) {
                    problems.add("live PTE after revoke: " + v + " of " + o.id() + " has " + p.mm().populatedPages(v) + " populated pages");
                }
                for (Claimed claimed : g.claims) {
                    if (v.file() != null && v.file().mapping() == kernel.iomemMapping()) {
                        for (long i = 0; i < v.pages(); i++) {
                            long pfn = v.pgoff() + i;
                            if (pfn >= claimed.firstPfn() && pfn < claimed.firstPfn() + claimed.pages() && p.mm().isPopulated(v, i)) {
                                problems.add("live PTE to a claimed page: " + v + " page 0x" + Long.toHexString(pfn) + " of " + claimed);
                            }
                        }
                    }
                }
            }
        }
        return problems;
    }

    /** The generator's state for one scenario. */
    private static final class Gen {
        final Random rnd;
        final InMemoryEventLog log = new InMemoryEventLog();
        final World world = new World(log);
        final ScenarioRunner runner = new ScenarioRunner(world);
        final List<String> script = new ArrayList<>();
        final List<Claimed> claims = new ArrayList<>();
        final List<String> pciPaths = new ArrayList<>();
        final List<String> bdfs = new ArrayList<>();
        final Map<String, long[]> barsOf = new HashMap<>(); // bdf -> {bar0 first, bar0 pages, bar2 first, bar2 pages}
        final List<String> uios = new ArrayList<>();
        final java.util.Set<String> liveUios = new java.util.TreeSet<>();
        final List<String> procEntries = new ArrayList<>();
        final List<String> devNodes = new ArrayList<>(List.of("/dev/mem"));
        final Map<String, String> pathOfFile = new HashMap<>();
        /** Async uio reads not yet collected, with their device. */
        final Map<String, String> waiting = new java.util.TreeMap<>();
        /** The file each of those reads is on. */
        final Map<String, String> readingFiles = new HashMap<>();
        int nextName;

        Gen(long seed) {
            rnd = new Random(seed);
        }

        String name(String prefix) {
            return prefix + (++nextName);
        }

        <T> T pick(List<T> l) {
            return l.get(rnd.nextInt(l.size()));
        }

        void step() {
            List<String> procs = new ArrayList<>(runner.processNames());
            procs.sort(null);
            if (procs.isEmpty() || bdfs.isEmpty() && uios.isEmpty() && procEntries.isEmpty() || rnd.nextInt(12) == 0) {
                global(procs.isEmpty());
                return;
            }
            String p = pick(procs);
            List<String> files = new ArrayList<>(runner.fileNames());
            files.sort(null);
            Map<String, Long> vmas = runner.vmaNames();
            List<String> vmaNames = new ArrayList<>(vmas.keySet());
            vmaNames.sort(null);
            int r = rnd.nextInt(20);
            if (r < 4 || files.isEmpty()) {
                String path = pickPath();
                String f = name("f");
                if (run(p + " open " + path + " as " + f).equals("ok")) {
                    pathOfFile.put(f, path);
                    if (path.startsWith("/proc/bus/pci") && rnd.nextInt(4) > 0) {
                        run(p + " ioctl " + f + " cmd=PCIIOC_MMAP_IS_MEM");
                    }
                }
            } else if (r < 8) {
                String f = pick(files);
                long pages = 1 + rnd.nextInt(4);
                run(p + " mmap " + f + " pages=" + pages + " offset=" + offsetFor(f) + (rnd.nextInt(5) == 0 ? " prot=ro" : "") + " as " + name("v"));
            } else if (r < 12 && !vmaNames.isEmpty()) {
                String v = pick(vmaNames);
                long page = rnd.nextInt((int) (long) vmas.get(v));
                run(p + (rnd.nextBoolean() ? " load " : " store ") + v + " page=" + page);
            } else if (r < 14) {
                String f = pick(files);
                switch (rnd.nextInt(5)) {
                    case 0 -> {
                        String path = pathOfFile.getOrDefault(f, "");
                        if (path.startsWith("/dev/uio")) {
                            // A uio read sleeps until the next interrupt: start it, collect it later.
                            // One at a time per file: readers of one file share its event count, so
                            // one interrupt wakes only one of them (uio_read's listener->event_count).
                            if (!readingFiles.containsValue(f)) {
                                String t = name("t");
                                run(p + " read " + f + " count=4 async=true as " + t);
                                waiting.put(t, path.substring("/dev/".length()));
                                readingFiles.put(t, f);
                            }
                        } else {
                            run(p + " read " + f + " count=4");
                        }
                    }
                    case 1 -> run(p + " write " + f + " 1");
                    case 2 -> run(p + " poll " + f);
                    case 3 -> run(p + " ioctl " + f + " cmd=" + rnd.nextInt(3));
                    default -> run(p + " llseek " + f + " offset=0");
                }
            } else if (r == 14 && procs.size() < 5) {
                run(p + " fork as " + name("p"));
            } else if (r == 15 && !vmaNames.isEmpty()) {
                String v = pick(vmaNames);
                long pages = vmas.get(v);
                long offset = rnd.nextInt((int) pages);
                run(p + " munmap " + v + " pages=" + (1 + rnd.nextInt((int) (pages - offset))) + " offset=" + offset);
            } else if (r == 16 && !vmaNames.isEmpty()) {
                run(p + " mremap " + pick(vmaNames));
            } else if (r == 17 && !vmaNames.isEmpty() && procs.size() > 1) {
                String target = pick(procs);
                String v = pick(vmaNames);
                run(p + " access " + target + " " + v + " page=" + rnd.nextInt((int) (long) vmas.get(v)));
            } else if (r == 18) {
                run(p + " close " + pick(files));
            } else if (rnd.nextInt(4) == 0) {
                run(p + " exit");
            }
        }

        void global(boolean needProcess) {
            int r = needProcess ? 0 : rnd.nextInt(10);
            switch (r) {
                case 0 -> run("process " + name("p") + (rnd.nextInt(6) == 0 ? " uid=1000" : ""));
                case 1 -> {
                    if (bdfs.size() < 3) {
                        int n = bdfs.size() + pciPaths.size() / 2 + 2;
                        String bdf = String.format("0000:00:%02x.0", n);
                        long base = 0x80000 + n * 0x100L;
                        long p0 = 1 + rnd.nextInt(8);
                        long p2 = 1 + rnd.nextInt(4);
                        if (run("pci " + bdf + " bar0=" + p0 + "@0x" + Long.toHexString(base) + " bar2=" + p2 + "@0x"
                                + Long.toHexString(base + 0x40)).equals("ok")) {
                            bdfs.add(bdf);
                            barsOf.put(bdf, new long[] {base, p0, base + 0x40, p2});
                            pciPaths.add("/sys/bus/pci/devices/" + bdf + "/resource0");
                            pciPaths.add("/sys/bus/pci/devices/" + bdf + "/resource2");
                            pciPaths.add("/proc/bus/pci/00/" + bdf.substring(8));
                        }
                    }
                }
                case 2 -> {
                    if (liveUios.size() < 2) {
                        // uio_register_device takes the lowest free minor.
                        int minor = 0;
                        while (liveUios.contains("uio" + minor)) {
                            minor++;
                        }
                        String u = "uio" + minor;
                        if (run("uio " + u + " maps=" + (1 + rnd.nextInt(4)) + "," + (1 + rnd.nextInt(3)) + " logical=1").equals("ok")) {
                            liveUios.add(u);
                            if (!uios.contains(u)) {
                                uios.add(u);
                            }
                        }
                    }
                }
                case 3 -> {
                    if (procEntries.size() < 2) {
                        String path = "/proc/driver/e" + procEntries.size();
                        run("proc " + path);
                        procEntries.add(path);
                    }
                }
                case 4 -> {
                    if (devNodes.size() < 3) {
                        String node = "/dev/mem" + (devNodes.size() + 1);
                        run("mknod " + node + " c 1 1");
                        devNodes.add(node);
                    }
                }
                case 5 -> {
                    if (!bdfs.isEmpty()) {
                        run("remove " + pick(bdfs));
                    }
                }
                case 6 -> {
                    if (!bdfs.isEmpty()) {
                        String bdf = pick(bdfs);
                        String bar = rnd.nextBoolean() ? "bar0" : "bar2";
                        if (run("claim " + bdf + " " + bar).equals("ok")) {
                            long[] b = barsOf.get(bdf);
                            long first = bar.equals("bar0") ? b[0] : b[2];
                            long pages = bar.equals("bar0") ? b[1] : b[3];
                            claims.add(new Claimed(bdf + " " + bar, first, pages));
                        }
                    }
                }
                case 7 -> {
                    if (!uios.isEmpty()) {
                        String u = pick(uios);
                        boolean unregister = rnd.nextInt(3) == 0;
                        run((unregister ? "unregister " : "interrupt ") + u);
                        if (unregister) {
                            liveUios.remove(u);
                        }
                        collect(u);
                    }
                }
                case 8 -> {
                    if (!procEntries.isEmpty() && rnd.nextInt(3) == 0) {
                        run("remove_proc_entry " + pick(procEntries));
                    }
                }
                default -> run("process " + name("p"));
            }
        }

        /** Waits for the async reads of device {@code u}, which its interrupt or unregister woke. */
        void collect(String u) {
            for (String t : new ArrayList<>(waiting.keySet())) {
                if (waiting.get(t).equals(u)) {
                    waiting.remove(t);
                    readingFiles.remove(t);
                    run("wait " + t);
                }
            }
        }

        /** Ends the scenario: every sleeping reader is woken (an interrupt, or the unregister) and collected. */
        void finish() {
            for (String u : new java.util.TreeSet<>(waiting.values())) {
                if (run("interrupt " + u).equals("ok")) {
                    collect(u);
                } else {
                    collect(u); // unregistered: the readers woke with EIO already
                }
            }
        }

        String pickPath() {
            List<String> paths = new ArrayList<>(devNodes);
            paths.addAll(pciPaths);
            uios.forEach(u -> paths.add("/dev/" + u));
            paths.addAll(procEntries);
            return pick(paths);
        }

        long offsetFor(String file) {
            String path = pathOfFile.get(file);
            if (path == null) {
                return rnd.nextInt(4);
            }
            if (path.startsWith("/dev/uio")) {
                return rnd.nextInt(3); // a map index, sometimes one that does not exist
            }
            if (path.startsWith("/dev/mem") || path.startsWith("/proc/bus/pci")) {
                if (barsOf.isEmpty()) {
                    return 0x80000;
                }
                long[] b = barsOf.get(pick(new ArrayList<>(barsOf.keySet())));
                return rnd.nextBoolean() ? b[0] + rnd.nextInt((int) b[1]) : b[2];
            }
            return rnd.nextInt(3); // resourceN: BAR-relative
        }

        /** Runs one generated line and records it with its outcome as its expect. */
        String run(String line) {
            Step s = ScenarioParser.parse("fuzz", List.of(line)).get(0);
            String outcome = runner.runUnchecked(s);
            if (outcome == null) { // an async start: its outcome comes with its wait
                script.add(line);
                return "started";
            }
            script.add(outcome.equals("ok") ? line : line + " expect=" + outcome);
            return outcome;
        }
    }
}
