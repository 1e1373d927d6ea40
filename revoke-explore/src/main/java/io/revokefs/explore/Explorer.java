package io.revokefs.explore;

import io.revokefs.core.LockOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * <p>One exploration at a time per JVM: {@link io.revokefs.core.Interleave} and {@link LockOrder} are
 * global.
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
     */
    public record Options(int preemptionBound, int maxSystematic, int randomSchedules, long seed, int maxSteps,
                          long stuckMillis, boolean stopAtFirstViolation, boolean lockOrderChecking, List<LogCheck> logChecks) {

        public Options {
            logChecks = List.copyOf(logChecks);
        }

        /**
         * 2 preemptions, at most 15,000 systematic then 300 random schedules, seed 1; each log goes
         * through the section 7 auditor ({@link AuditorCheck}).
         */
        public static Options defaults() {
            return new Options(2, 15_000, 300, 1L, 5000, 20_000, true, true,
                    List.of(new AuditorCheck()));
        }

        public Options withPreemptionBound(int b) {
            return new Options(b, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks);
        }

        public Options withSchedules(int systematic, int random) {
            return new Options(preemptionBound, systematic, random, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks);
        }

        public Options withSeed(long s) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, s, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, logChecks);
        }

        public Options withLockOrderChecking(boolean on) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, on, logChecks);
        }

        public Options withStopAtFirstViolation(boolean stop) {
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stop, lockOrderChecking, logChecks);
        }

        /** These options with one more log check (the history module's auditor, for one). */
        public Options withLogCheck(LogCheck check) {
            List<LogCheck> l = new ArrayList<>(logChecks);
            l.add(Objects.requireNonNull(check, "check"));
            return new Options(preemptionBound, maxSystematic, randomSchedules, seed, maxSteps, stuckMillis, stopAtFirstViolation, lockOrderChecking, l);
        }
    }

    /** What one schedule did. */
    private record Ran(Schedule schedule, List<String> problems, List<String> trace) {
    }

    /** Explores {@code c} within {@code options}' bounds. */
    public static Report explore(ExploreCase c, Options options) {
        synchronized (ONE_AT_A_TIME) {
            long t0 = System.nanoTime();
            int schedules = 0;
            int systematic = 0;
            int violations = 0;
            Report.Failure first = null;
            boolean exhaustive = false;
            Strategies.Dfs dfs = new Strategies.Dfs(options.preemptionBound());
            while (systematic < options.maxSystematic()) {
                dfs.startRun();
                Ran r = runOnce(c, dfs, options);
                schedules++;
                systematic++;
                if (!r.problems().isEmpty()) {
                    violations++;
                    if (first == null) {
                        first = new Report.Failure(schedules, r.schedule(), null, r.problems(), r.trace());
                    }
                    if (options.stopAtFirstViolation()) {
                        break;
                    }
                }
                if (!dfs.advance()) {
                    exhaustive = true;
                    break;
                }
            }
            for (int i = 0; i < options.randomSchedules() && !(first != null && options.stopAtFirstViolation()); i++) {
                long seed = options.seed() + i;
                Ran r = runOnce(c, new Strategies.Random(seed), options);
                schedules++;
                if (!r.problems().isEmpty()) {
                    violations++;
                    if (first == null) {
                        first = new Report.Failure(schedules, r.schedule(), seed, r.problems(), r.trace());
                    }
                }
            }
            return new Report(c.id(), schedules, systematic, exhaustive, options.preemptionBound(), violations,
                    (System.nanoTime() - t0) / 1_000_000, Optional.ofNullable(first));
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
        synchronized (ONE_AT_A_TIME) {
            long t0 = System.nanoTime();
            Ran r = runOnce(c, new Strategies.Replay(schedule), options);
            Optional<Report.Failure> f = r.problems().isEmpty() ? Optional.empty()
                    : Optional.of(new Report.Failure(1, r.schedule(), null, r.problems(), r.trace()));
            return new Report(c.id(), 1, 0, false, options.preemptionBound(), f.isPresent() ? 1 : 0,
                    (System.nanoTime() - t0) / 1_000_000, f);
        }
    }

    /** Runs the random schedule of {@code seed} once (the {@code seed=} of a report line). */
    public static Report replaySeed(ExploreCase c, long seed, Options options) {
        synchronized (ONE_AT_A_TIME) {
            long t0 = System.nanoTime();
            Ran r = runOnce(c, new Strategies.Random(seed), options);
            Optional<Report.Failure> f = r.problems().isEmpty() ? Optional.empty()
                    : Optional.of(new Report.Failure(1, r.schedule(), seed, r.problems(), r.trace()));
            return new Report(c.id(), 1, 0, false, options.preemptionBound(), f.isPresent() ? 1 : 0,
                    (System.nanoTime() - t0) / 1_000_000, f);
        }
    }

    private static Ran runOnce(ExploreCase c, ScheduleRun.Strategy strategy, Options options) {
        boolean wasChecking = LockOrder.isChecking();
        LockOrder.setChecking(options.lockOrderChecking());
        LockOrder.clearViolations();
        try {
            RaceWorld w = c.newWorld();
            ScheduleRun run = new ScheduleRun(w.threadNames(), w.threadBodies(), strategy, options.maxSteps(), options.stuckMillis());
            ScheduleRun.Outcome o = run.run();
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
            return new Ran(new Schedule(o.choices()), problems, o.trace());
        } finally {
            LockOrder.clearViolations();
            LockOrder.setChecking(wasChecking);
        }
    }
}
