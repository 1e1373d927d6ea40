package io.revokefs.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The explorer's own benchmark (docs/explore.md, docs/performance.md): for each built-in case, the
 * schedules that exhaust it at a preemption bound without the reduction, with the stutter rules
 * alone (sleep sets off) and with the whole reduction, then the wall
 * time of the reduced exploration on 1 and on 2 workers, measured in the same run, alternately
 * ({@code rounds} times; the best of each), and the process CPU time per schedule of each (user and
 * system, every thread of the JVM: JIT and GC included; the round with the best wall time). On a
 * quiet machine the wall times give the speed-up; CPU per schedule also means something on a busy one,
 * and two workers spending about what one does per schedule is what lets them go twice as fast.
 *
 * <pre>{@code java -cp ... io.revokefs.explore.ExploreFigures [BOUND] [ROUNDS] [CASE...]}</pre>
 *
 * The unreduced search is capped at {@code explore.figures.cap} schedules (system property, default
 * 2,000,000; 0 leaves it out, for a run that measures only the speed-up); a case it does not exhaust
 * is printed with {@code >}.
 */
public final class ExploreFigures {
    private ExploreFigures() {
    }

    public static void main(String[] args) {
        int bound = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int cap = Integer.getInteger("explore.figures.cap", 2_000_000);
        List<ExploreCase> cases = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            cases.add(Cases.byId(args[i]));
        }
        if (cases.isEmpty()) {
            cases.addAll(Cases.all());
        }
        Explorer.Options reduced = Explorer.Options.defaults().withPreemptionBound(bound).withSchedules(2_000_000, 0);
        long total1 = 0;
        long total2 = 0;
        System.out.printf(Locale.ROOT, "bound %d, %d processors, best of %d rounds%n", bound,
                Runtime.getRuntime().availableProcessors(), rounds);
        System.out.println("case  no reduction  ms (1 worker)  stutter rules  ms (1 worker)  reduced  1 worker ms  2 workers ms  2 over 1  cpu us/schedule 1w  2w");
        long cpuAll1 = 0;
        long cpuAll2 = 0;
        long schedulesAll = 0;
        boolean hasCpu = cpuNanos() >= 0;
        for (ExploreCase c : cases) {
            Report plain = cap == 0 ? null : Explorer.explore(c, reduced.withReduction(false).withSchedules(cap, 0));
            Report stutter = null;
            if (cap != 0) { // the reduction before the sleep sets, for the comparison
                stutter = Explorer.explore(c, reduced.withSleepSets(false).withSchedules(cap, 0));
            }
            long best1 = Long.MAX_VALUE;
            long best2 = Long.MAX_VALUE;
            long cpu1 = 0;
            long cpu2 = 0;
            Report r1 = null;
            Report r2 = null;
            for (int i = 0; i < rounds; i++) {
                long t = cpuNanos();
                r1 = Explorer.explore(c, reduced);
                t = cpuNanos() - t;
                if (r1.millis() < best1) {
                    best1 = r1.millis();
                    cpu1 = t;
                }
                t = cpuNanos();
                r2 = Explorer.explore(c, reduced.withWorkers(2));
                t = cpuNanos() - t;
                if (r2.millis() < best2) {
                    best2 = r2.millis();
                    cpu2 = t;
                }
            }
            // Printed as a/b if r1.systematic() and r2.systematic() differ: they do not since revoke releases
            // its files in open order (R13's two files were released in ConcurrentHashMap order before).
            if (!r1.exhaustive() || !r2.exhaustive() || plain != null && plain.failure().isPresent()
                    || stutter != null && stutter.failure().isPresent() || r1.failure().isPresent() || r2.failure().isPresent()) {
                throw new IllegalStateException(c.id() + ": " + (plain == null ? "" : plain.line() + " / ") + r1.line() + " / " + r2.line());
            }
            total1 += best1;
            total2 += best2;
            cpuAll1 += cpu1;
            cpuAll2 += cpu2;
            schedulesAll += r1.systematic();
            System.out.printf(Locale.ROOT, "%-5s %12s  %13s  %13s  %13s  %7s  %11d  %12d  %7.2fx  %18s  %s%n", c.id(),
                    plain == null ? "-" : (plain.exhaustive() ? "" : ">") + plain.systematic(), plain == null ? "-" : "" + plain.millis(),
                    stutter == null ? "-" : (stutter.exhaustive() ? "" : ">") + stutter.systematic(), stutter == null ? "-" : "" + stutter.millis(),
                    r1.systematic() == r2.systematic() ? "" + r1.systematic() : r1.systematic() + "/" + r2.systematic(),
                    best1, best2, best1 / (double) Math.max(1, best2), perSchedule(hasCpu ? cpu1 : -1, r1.systematic()), perSchedule(hasCpu ? cpu2 : -1, r2.systematic()));
        }
        System.out.printf(Locale.ROOT, "all   %12s  %13s  %13s  %13s  %7s  %11d  %12d  %7.2fx  %18s  %s%n", "", "", "", "", "", total1, total2,
                total1 / (double) Math.max(1, total2), perSchedule(hasCpu ? cpuAll1 : -1, schedulesAll), perSchedule(hasCpu ? cpuAll2 : -1, schedulesAll));
    }

    /** Microseconds of CPU per schedule, or "-" where the JVM does not tell its CPU time. */
    private static String perSchedule(long cpuNanos, long schedules) {
        return cpuNanos < 0 || schedules == 0 ? "-" : String.format(Locale.ROOT, "%.0f", cpuNanos / 1000.0 / schedules);
    }

    /** The CPU time of the whole process so far (all threads, user and system), or a negative number. */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }
}
