package io.revokefs.explore;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What an exploration found.
 *
 * @param caseId the case explored
 * @param schedules schedules run (systematic and random)
 * @param systematic of which by bounded depth-first search
 * @param exhaustive whether the search covered every schedule within the preemption bound
 * @param preemptionBound the bound of the search
 * @param violations schedules that broke something
 * @param millis wall time
 * @param failure the first failing schedule, if any
 */
public record Report(String caseId, int schedules, int systematic, boolean exhaustive, int preemptionBound,
                     int violations, long millis, Optional<Failure> failure) {

    /**
     * A failing schedule and how to run it again.
     *
     * @param scheduleNumber which schedule of the exploration failed (1-based)
     * @param schedule the choices made: {@link Explorer#replay} runs exactly this schedule again
     * @param seed the seed of the random schedule, or null for a systematic one
     * @param problems what broke
     * @param trace the decisions, one line each ({@code thread: the point it was at})
     */
    public record Failure(int scheduleNumber, Schedule schedule, Long seed, List<String> problems, List<String> trace) {

        /** A multi-line description: the problems, the replay handles, then the tail of the trace. */
        public String describe(int traceLines) {
            StringBuilder sb = new StringBuilder();
            for (String p : problems) {
                sb.append("  violation: ").append(p).append('\n');
            }
            sb.append("  schedule #").append(scheduleNumber).append(seed == null ? "" : " (random, seed=" + seed + ")")
                    .append(": ").append(schedule).append('\n');
            int from = Math.max(0, trace.size() - traceLines);
            if (from > 0) {
                sb.append("  ... ").append(from).append(" earlier decisions\n");
            }
            for (int i = from; i < trace.size(); i++) {
                sb.append("  ").append(i).append(' ').append(trace.get(i)).append('\n');
            }
            return sb.toString();
        }
    }

    /** The stable one-line summary collected into {@code explore-report.txt}. */
    public String line() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "explore %s schedules=%d systematic=%d exhaustive=%s preemptions=%d violations=%d time=%.1fs",
                caseId, schedules, systematic, exhaustive, preemptionBound, violations, millis / 1000.0));
        failure.ifPresent(f -> {
            sb.append(" first=#").append(f.scheduleNumber());
            if (f.seed() != null) {
                sb.append(" seed=").append(f.seed());
            }
            sb.append(" schedule=").append(f.schedule());
        });
        return sb.toString();
    }
}
