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
        List<Integer> out = new ArrayList<>();
        String t = text.strip();
        if (!t.isEmpty()) {
            for (String run : t.split("\\.")) {
                String[] parts = run.split("x");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("bad schedule element '" + run + "' (want THREADxCOUNT) in " + text);
                }
                int thread = Integer.parseInt(parts[0]);
                int count = Integer.parseInt(parts[1]);
                for (int i = 0; i < count; i++) {
                    out.add(thread);
                }
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
