package io.revokefs.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * A schedule: the thread chosen at each decision of a run, by index in the order the world declared
 * its threads. Written run-length encoded, {@code 0x12.1x3.0x40} (thread 0 for 12 decisions, then
 * thread 1 for 3, ...), so a failure report fits on a line and can be pasted back into
 * {@link Explorer#replay}. Decisions beyond the end of a schedule take the default choice: the
 * deciding thread goes on if it can, else the lowest-numbered thread that can.
 */
public record Schedule(List<Integer> choices) {

    public Schedule {
        choices = List.copyOf(choices);
    }

    /** Parses the {@link #toString()} form; an empty string is the all-default schedule. */
    public static Schedule parse(String text) {
        return parse(text, Integer.MAX_VALUE, 1_000_000);
    }

    /**
     * Parses the {@link #toString()} form of a schedule of a world with {@code threads} threads and
     * at most {@code maxLength} decisions (a longer one cannot be a schedule the explorer made: it
     * would have hit the step bound). IllegalArgumentException naming the element for a malformed
     * element, a thread that does not exist, or a schedule too long; nothing is allocated for those.
     */
    public static Schedule parse(String text, int threads, int maxLength) {
        List<Integer> out = new ArrayList<>();
        String t = text.strip();
        if (t.isEmpty()) {
            return new Schedule(out);
        }
        long total = 0;
        List<int[]> runs = new ArrayList<>();
        for (String run : t.split("\\.", -1)) {
            if (!run.matches("[0-9]{1,18}x[0-9]{1,18}")) {
                throw new IllegalArgumentException("bad schedule element '" + run + "' (want THREADxCOUNT, e.g. 0x8) in " + text);
            }
            int x = run.indexOf('x');
            long thread = Long.parseLong(run.substring(0, x));
            long count = Long.parseLong(run.substring(x + 1));
            if (thread >= threads) {
                throw new IllegalArgumentException("schedule element '" + run + "': there is no thread " + thread
                        + " (threads 0 to " + (threads - 1) + ")");
            }
            if (count == 0) {
                throw new IllegalArgumentException("schedule element '" + run + "': a count is at least 1");
            }
            total += count;
            if (total > maxLength) {
                throw new IllegalArgumentException("schedule " + (t.length() > 60 ? t.substring(0, 60) + "..." : t)
                        + " has more than " + maxLength + " decisions (the step bound)");
            }
            runs.add(new int[] {(int) thread, (int) count});
        }
        for (int[] r : runs) {
            for (int i = 0; i < r[1]; i++) {
                out.add(r[0]);
            }
        }
        return new Schedule(out);
    }

    public int length() {
        return choices.size();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < choices.size()) {
            int j = i;
            while (j < choices.size() && choices.get(j).equals(choices.get(i))) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(choices.get(i)).append('x').append(j - i);
            i = j;
        }
        return sb.toString();
    }
}
