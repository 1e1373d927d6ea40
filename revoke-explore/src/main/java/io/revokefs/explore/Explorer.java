package io.revokefs.explore;

import io.revokefs.kernel.internal.LockOrder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Explores the interleavings of an {@link ExploreCase}: first systematically, by depth-first search
 * over the choice points with a preemption bound (CHESS), up to a number of schedules; then a number
 * of random schedules, each from its own seed. After every schedule it checks the scheduler's verdict
 * (deadlock, exception, step bound), the {@linkplain Invariants standard invariants}, the case's own
 * checks and the event log ({@link Options#logChecks()}).
 *
 * <pre>{@code
 * Report r = Explorer.explore(Cases.byId("R05"), Explorer.Options.defaults());
 * System.out.println(r.line());
 * r.failure().ifPresent(f -> Explorer.replay(Cases.byId("R05"), f.schedule(), Explorer.Options.defaults()));
 * }</pre>
 *
 * <p>One exploration at a time per JVM ({@link LockOrder}'s switch is global). Within one,
 * {@link Options#workers()} schedules run at once, each worker's on its own pool of carrier threads
 * (reused from one schedule to the next: {@code ScheduleRun.Carriers}): the one scheduler installed
 * in {@link io.revokefs.kernel.internal.Interleave} hands each point to the run its thread carries,
 * and the workers search disjoint subtrees of the bounded search (a worker with nothing to do is
 * handed the untried alternatives of a busy one's shallowest decision that has any, with the
 * children it searched there, for the sleep sets), so their union is exactly the one-worker search.
 */
public final class Explorer {
    private static final Object ONE_AT_A_TIME = new Object();

    private Explorer() {
    }

    /**
     * Bounds and checks.
     *
     * @param preemptionBound preemptions per schedule in the systematic search
     * @param maxSystematic schedules of the systematic search at most
     * @param randomSchedules random schedules after it
     * @param seed the first random schedule's seed; schedule i uses {@code seed + i}
     * @param maxSteps decisions per schedule before it counts as a livelock
     * @param stuckMillis wall time a thread may run without reaching a point before the run counts as stuck
     * @param stopAtFirstViolation whether to stop at the first failing schedule
     * @param lockOrderChecking whether {@link LockOrder} checks (and throws) while exploring
     * @param logChecks the checks of each schedule's event log
     * @param workers schedules run at once (each worker on its own carrier threads); 1 explores in a fixed order
     * @param reduction whether the systematic search prunes schedules that only repeat others
     *     (docs/explore.md, "Partial-order reduction"); off, it is the plain bounded search
     * @param sleepSets whether the reduced search also keeps sleep sets over the steps' declared
     *     footprints (on by default; off leaves the stutter rules alone, to measure what they save);
     *     ignored without {@code reduction}
     */
    public record Options(int preemptionBound, int maxSystematic, int randomSchedules, long seed, int maxSteps,
                          long stuckMillis, boolean stopAtFirstViolation, boolean lockOrderChecking, List<LogCheck> logChecks,
                          int workers, boolean reduction, boolean sleepSets) {

        public Options {
            logChecks = List.copyOf(logChecks);
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, got " + workers);
            }
        }

        /**
         * 2 preemptions, at most 15,000 systematic then 300 random schedules, seed 1, one worker; each
         * log goes through the section 7 auditor ({@link AuditorCheck}).
         */
        public static Options defaults() {
            return new Options(2, 15_000, 300, 1L, 5000, 20_000, true, true, List.of(new AuditorCheck()), 1, true, true);
        }

        public Options withPreemptionBound(int b) {
            return new Options(b, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks, workers, reduction, sleepSets);
        }

        public Options withSchedules(int systematic, int random) {
            return new Options(preemptionBound, systematic, random, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks, workers, reduction, sleepSets);
        }

        public Options withSeed(long s) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, s, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks, workers, reduction, sleepSets);
        }

        public Options withLockOrderChecking(boolean on) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, on, logChecks, workers, reduction, sleepSets);
        }

        public Options withStopAtFirstViolation(boolean stop) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stop, lockOrderChecking, logChecks, workers, reduction, sleepSets);
        }

        /** These options running {@code n} schedules at once: workers over disjoint parts of the search. */
        public Options withWorkers(int n) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks, n, reduction, sleepSets);
        }

        /** These options with the reduction on or off (off: every schedule of the bounded search). */
        public Options withReduction(boolean on) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks, workers, on, sleepSets);
        }

        /** These options with the sleep sets on or off (off: the reduction's stutter rules alone). */
        public Options withSleepSets(boolean on) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks, workers, reduction, on);
        }

        /** These options with one more log check (the history module's auditor, for one). */
        public Options withLogCheck(LogCheck check) {
            List<LogCheck> l = new ArrayList<>(logChecks);
            l.add(Objects.requireNonNull(check, "check"));
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, l, workers, reduction, sleepSets);
        }
    }

    /** What one schedule did. */
    private record Ran(Schedule schedule, List<String> problems, ScheduleRun.Outcome outcome) {
        /** Built only for a failure: the decisions, one line each. */
        List<String> trace() {
            return outcome.trace();
        }
    }

    /**
     * One exploration's shared state: the subtrees waiting for a worker, the counts, the first
     * failure. A worker that finishes its subtree takes another; a worker that sees another idle with
     * nothing queued hands it the untried alternatives of its own shallowest decision that has any.
     */
    private static final class Search {
        final ExploreCase c;
        final Options options;
        final Deque<Strategies.Subtree> queue = new ArrayDeque<>();
        int idle;
        int busy;
        int schedules;
        int systematic;
        int started;
        int violations;
        boolean capped;
        /** No more runs: capped, or halted. */
        boolean stop;
        /** Stopped at a violation: runs still going are not counted. */
        boolean halted;
        Report.Failure first;

        Search(ExploreCase c, Options options) {
            this.c = c;
            this.options = options;
        }

        /** Records a run; returns false once the search must stop (cap, or a violation to stop at). */
        synchronized boolean record(Ran r, Long seed, boolean isSystematic) {
            if (halted) {
                return false; // a run another worker's violation overtook: the search ended before it
            }
            schedules++;
            if (isSystematic) {
                systematic++;
            }
            if (!r.problems().isEmpty()) {
                violations++;
                if (first == null) {
                    first = new Report.Failure(schedules, r.schedule(), seed, r.problems(), r.trace());
                }
                if (options.stopAtFirstViolation()) {
                    halted = true;
                    stop = true;
                }
            }
            notifyAll();
            return !stop;
        }

        /** Claims one systematic run; false (the search is capped: schedules are left) past maxSystematic, or once stopped. */
        synchronized boolean tryStart() {
            if (stop) {
                return false;
            }
            if (started >= options.maxSystematic()) {
                capped = true;
                stop = true;
                notifyAll();
                return false;
            }
            started++;
            return true;
        }

        /** The next subtree, or null when the search is over (nothing queued, nobody busy, or stopped). */
        synchronized Strategies.Subtree take() throws InterruptedException {
            busy--;
            idle++;
            try {
                while (!stop && queue.isEmpty() && busy > 0) {
                    wait();
                }
                if (stop || queue.isEmpty()) {
                    notifyAll();
                    return null;
                }
                busy++;
                return queue.poll();
            } finally {
                idle--;
            }
        }

        /** Whether a worker waits for work and none is queued: time to donate. */
        synchronized boolean hungry() {
            return idle > 0 && queue.isEmpty();
        }

        synchronized void give(Strategies.Subtree t) {
            queue.add(t);
            notifyAll();
        }
    }

    /** Explores {@code c} within {@code options}' bounds, on {@code options.workers()} workers. */
    public static Report explore(ExploreCase c, Options options) {
        synchronized (ONE_AT_A_TIME) {
            return lockOrderChecked(options, () -> exploreLocked(c, options));
        }
    }

    private static Report exploreLocked(ExploreCase c, Options options) {
        long t0 = System.nanoTime();
        Search search = new Search(c, options);
        search.queue.add(new Strategies.Subtree(List.of()));
        search.busy = options.workers();
        runWorkers(options.workers(), carriers -> systematicWorker(search, carriers));
        boolean exhaustive = !search.stop;
        if (!(search.first != null && options.stopAtFirstViolation())) {
            AtomicInteger next = new AtomicInteger();
            runWorkers(options.workers(), carriers -> {
                for (int i = next.getAndIncrement(); i < options.randomSchedules(); i = next.getAndIncrement()) {
                    synchronized (search) {
                        if (search.first != null && options.stopAtFirstViolation()) {
                            return;
                        }
                    }
                    long seed = options.seed() + i;
                    search.record(runOnce(c, new Strategies.Random(seed), options, carriers), seed, false);
                }
            });
        }
        return new Report(c.id(), search.schedules, search.systematic, exhaustive, options.preemptionBound(),
                search.violations, (System.nanoTime() - t0) / 1_000_000, Optional.ofNullable(search.first));
    }

    /** Runs {@code body} with {@link LockOrder} checking as {@code options} say, then restores it. */
    private static Report lockOrderChecked(Options options, java.util.function.Supplier<Report> body) {
        boolean wasChecking = LockOrder.isChecking();
        LockOrder.setChecking(options.lockOrderChecking());
        LockOrder.clearViolations();
        try {
            return body.get();
        } finally {
            LockOrder.clearViolations();
            LockOrder.setChecking(wasChecking);
        }
    }

    /**
     * Runs {@code body} on {@code n} threads (the caller's thread is one of them) and waits for all;
     * each runs its schedules on its own pool of carrier threads, closed when it is done.
     */
    private static void runWorkers(int n, java.util.function.Consumer<ScheduleRun.Carriers> body) {
        Runnable withCarriers = () -> {
            try (ScheduleRun.Carriers carriers = new ScheduleRun.Carriers()) {
                body.accept(carriers);
            }
        };
        if (n == 1) {
            withCarriers.run();
            return;
        }
        List<Thread> threads = new ArrayList<>();
        Throwable[] failed = new Throwable[1];
        for (int i = 1; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    withCarriers.run();
                } catch (Throwable e) {
                    synchronized (failed) {
                        failed[0] = e;
                    }
                }
            }, "explore-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        withCarriers.run();
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("explorer interrupted", e);
            }
        }
        synchronized (failed) {
            if (failed[0] != null) {
                throw new IllegalStateException("an explorer worker failed", failed[0]);
            }
        }
    }

    /** One worker of the systematic search: takes subtrees and searches each, handing parts to idle workers. */
    private static void systematicWorker(Search search, ScheduleRun.Carriers carriers) {
        try {
            for (Strategies.Subtree t = search.take(); t != null; t = search.take()) {
                Strategies.Dfs dfs = new Strategies.Dfs(search.options.preemptionBound(), t, search.options.reduction(),
                        search.options.sleepSets());
                do {
                    if (!search.tryStart()) {
                        break;
                    }
                    dfs.startRun();
                    if (!search.record(runOnce(search.c, dfs, search.options, carriers), null, true)) {
                        break;
                    }
                    if (search.options.workers() > 1 && search.hungry()) {
                        Strategies.Subtree part = dfs.donate();
                        if (part != null) {
                            search.give(part);
                        }
                    }
                } while (dfs.advance());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many threads a schedule of {@code c} chooses among (builds one world to count them). */
    public static int threadCount(ExploreCase c) {
        synchronized (ONE_AT_A_TIME) {
            return c.newWorld().threadNames().size();
        }
    }

    /** Runs exactly {@code schedule} (then default choices) once: the way to reproduce a failure. */
    public static Report replay(ExploreCase c, Schedule schedule, Options options) {
        return once(c, new Strategies.Replay(schedule), null, options);
    }

    /** Runs the random schedule of {@code seed} once (the {@code seed=} of a report line). */
    public static Report replaySeed(ExploreCase c, long seed, Options options) {
        return once(c, new Strategies.Random(seed), seed, options);
    }

    private static Report once(ExploreCase c, ScheduleRun.Strategy strategy, Long seed, Options options) {
        synchronized (ONE_AT_A_TIME) {
            return lockOrderChecked(options, () -> {
                long t0 = System.nanoTime();
                Ran r;
                try (ScheduleRun.Carriers carriers = new ScheduleRun.Carriers()) {
                    r = runOnce(c, strategy, options, carriers);
                }
                Optional<Report.Failure> f = r.problems().isEmpty() ? Optional.empty()
                        : Optional.of(new Report.Failure(1, r.schedule(), seed, r.problems(), r.trace()));
                return new Report(c.id(), 1, 0, false, options.preemptionBound(), f.isPresent() ? 1 : 0,
                        (System.nanoTime() - t0) / 1_000_000, f);
            });
        }
    }

    private static Ran runOnce(ExploreCase c, ScheduleRun.Strategy strategy, Options options, ScheduleRun.Carriers carriers) {
        if (options.workers() == 1) {
            LockOrder.clearViolations(); // with several workers a run's own violation also throws in its thread
        }
        RaceWorld w = c.newWorld();
        ScheduleRun run = new ScheduleRun(w.threadNames(), w.threadBodies(), strategy, options.maxSteps(), options.stuckMillis(),
                options.reduction());
        ScheduleRun.Outcome o = run.run(carriers);
        List<String> problems = new ArrayList<>();
        if (o.violation() != null) {
            problems.add(o.violation());
        } else {
            for (Invariant i : Invariants.standard()) {
                problems.addAll(i.violations(w));
            }
            for (Invariant i : w.caseChecks()) {
                problems.addAll(i.violations(w));
            }
            var events = w.log().events();
            for (LogCheck lc : options.logChecks()) {
                problems.addAll(lc.check(events));
            }
        }
        return new Ran(new Schedule(o.choices()), problems, o);
    }
}
