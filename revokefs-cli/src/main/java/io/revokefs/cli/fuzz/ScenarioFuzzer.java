package io.revokefs.cli.fuzz;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;
import io.revokefs.history.Auditor;
import io.revokefs.history.LiveState;
import io.revokefs.history.ReplayState;
import io.revokefs.history.RmapAgreement;
import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.Scenario;
import io.revokefs.scenario.ScenarioParser;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Scope;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;

/**
 * Random scenarios across every adapter: each adapter's {@link FuzzGenerator} adds, removes and claims
 * its devices (PCI devices seen through sysfs, /proc/bus/pci and /dev/mem and its mknod aliases, uio
 * devices, proc entries, and whatever an adapter on the class path brings) and names the paths it
 * serves; processes open, map, load, store, read, write, poll, fork, split, move, close and exit.
 *
 * <p>Lines are generated one at a time against the run's actual state and run at once; each is
 * recorded with {@code expect=} set to the outcome it had, so the recorded script replays the same
 * run under {@code revokefs run}. After the run: the auditor finds nothing, the state replayed from
 * the log equals the live state, no PTE reaches the pages of a revoked object, and each adapter's
 * own checks hold (no PTE to a range a driver claimed), and the rmap replayed from the log agrees with the
 * live one ({@link RmapAgreement}). A failing scenario names its seed and carries its script.
 */
public final class ScenarioFuzzer {

    /** One generated scenario: its script and what was wrong with the run (empty when nothing). */
    public record Outcome(long seed, List<String> script, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final int steps;
    private final ScenarioProviders providers;

    /** A fuzzer over the adapters on the class path. */
    public ScenarioFuzzer(int steps) {
        this(steps, ScenarioProviders.load());
    }

    /** A fuzzer over these adapters: each contributes its generators ({@link FuzzGenerator}). */
    public ScenarioFuzzer(int steps, ScenarioProviders providers) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        this.steps = steps;
        this.providers = providers;
    }

    /** Looks at a scenario's world after each of its lines (a check deeper than the one after the run). */
    @FunctionalInterface
    public interface LineObserver {
        /** Called after each generated line with the world and the events so far; returns problems found (empty: none). */
        List<String> afterLine(ScenarioWorld world, List<RecordedEvent> events);
    }

    /** Generates and runs the scenario of {@code seed}. */
    public Outcome run(long seed) {
        return run(seed, (world, events) -> List.of());
    }

    /**
     * Generates and runs the scenario of {@code seed}, asking {@code observer} after each line; the
     * first problem it reports ends the scenario, as a problem of the outcome.
     */
    public Outcome run(long seed, LineObserver observer) {
        Gen g = new Gen(providers, seed, observer);
        List<String> problems = new ArrayList<>();
        try {
            for (int i = 0; i < steps; i++) {
                g.step();
            }
            g.finish();
        } catch (Observed e) {
            problems.addAll(e.problems);
        } catch (RuntimeException e) {
            problems.add("exception at line " + g.script.size() + ": " + e);
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
            }
        }
        problems.addAll(RmapAgreement.differences(kernel, replayed));
        for (FuzzGenerator.Session x : g.sessions) {
            problems.addAll(x.check(g.world));
        }
        return problems;
    }

    /** What an observer found: stops the scenario at the line. */
    private static final class Observed extends RuntimeException {
        final List<String> problems;

        Observed(List<String> problems) {
            super(null, null, false, false);
            this.problems = problems;
        }
    }

    /** The generator's state for one scenario. */
    private static final class Gen implements FuzzGenerator.Context {
        final Random rnd;
        final InMemoryEventLog log = new InMemoryEventLog();
        final ScenarioParser parser;
        final Scope scope = new Scope();
        final ScenarioWorld world;
        final ScenarioRunner runner;
        final List<String> script = new ArrayList<>();
        final List<long[]> physical = new ArrayList<>();
        final List<FuzzGenerator.Session> sessions = new ArrayList<>();
        final Map<String, String> pathOfFile = new HashMap<>();
        int nextName;
        final LineObserver observer;

        Gen(ScenarioProviders providers, long seed, LineObserver observer) {
            this.observer = observer;
            rnd = new Random(seed);
            parser = new ScenarioParser(providers);
            world = new ScenarioWorld(log, providers);
            runner = new ScenarioRunner(world);
            for (FuzzGenerator g : providers.fuzzGenerators()) {
                sessions.add(g.start(this));
            }
        }

        @Override
        public Random random() {
            return rnd;
        }

        @Override
        public String name(String prefix) {
            return prefix + (++nextName);
        }

        @Override
        public List<long[]> physicalRanges() {
            return physical;
        }

        @Override
        public void addPhysicalRange(long first, long pages) {
            physical.add(new long[] {first, pages});
        }

        @Override
        public ScenarioWorld world() {
            return world;
        }

        <T> T pick(List<T> l) {
            return l.get(rnd.nextInt(l.size()));
        }

        List<String> paths() {
            List<String> paths = new ArrayList<>();
            sessions.forEach(x -> paths.addAll(x.paths()));
            return paths;
        }

        void step() {
            List<String> procs = new ArrayList<>(runner.processNames());
            procs.sort(null);
            List<String> paths = paths();
            if (procs.isEmpty() || paths.size() <= 1 || rnd.nextInt(12) == 0) {
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
                String path = pick(paths);
                String f = name("f");
                if (run(p + " open " + path + " as " + f).equals("ok")) {
                    pathOfFile.put(f, path);
                    sessions.forEach(x -> x.opened(p, f, path));
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
                        if (sessions.stream().noneMatch(x -> x.read(p, f, path))) {
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

        /** A process, or one adapter's global line (a device added, removed, claimed, ...). */
        void global(boolean needProcess) {
            int r = needProcess ? 0 : rnd.nextInt(2 + sessions.size());
            if (r < 2 || sessions.isEmpty()) {
                run("process " + name("p") + (rnd.nextInt(6) == 0 ? " uid=1000" : ""));
            } else {
                sessions.get(r - 2).global();
            }
        }

        /** Ends the scenario: what still sleeps is woken and collected. */
        void finish() {
            sessions.forEach(FuzzGenerator.Session::finish);
        }

        long offsetFor(String file) {
            String path = pathOfFile.get(file);
            if (path != null) {
                for (FuzzGenerator.Session x : sessions) {
                    OptionalLong o = x.mmapOffset(path);
                    if (o.isPresent()) {
                        return o.getAsLong();
                    }
                }
            }
            return rnd.nextInt(4);
        }

        /** Runs one generated line and records it with its outcome as its expect. */
        @Override
        public String run(String line) {
            Scenario s = parser.parse("fuzz", List.of(line), scope);
            String outcome = runner.runUnchecked(s);
            if (outcome == null) { // an async start: its outcome comes with its wait
                script.add(line);
                observe();
                return "started";
            }
            script.add(outcome.equals("ok") ? line : line + " expect=" + outcome);
            observe();
            return outcome;
        }

        private void observe() {
            List<String> found = observer.afterLine(world, log.events());
            if (!found.isEmpty()) {
                List<String> at = new ArrayList<>();
                found.forEach(f -> at.add("after line " + script.size() + ": " + f));
                throw new Observed(at);
            }
        }
    }
}
