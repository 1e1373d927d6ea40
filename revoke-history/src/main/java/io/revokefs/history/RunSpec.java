package io.revokefs.history;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which run a writer records into.
 *
 * @param id    the run's id: 1 to {@value #MAX_ID} characters of {@code [A-Za-z0-9._-]}, starting with a
 *              letter or digit (so that {@code RUN/OBJECT}, the run's aggregate ids, never collide with
 *              another run's or with a schema-1 store's object ids, which start with an adapter name
 *              and a colon)
 * @param label what runs (shown by {@code revokefs runs})
 * @param mode  what to do when the store already holds a run with this id
 */
public record RunSpec(String id, String label, Mode mode) {
    public static final int MAX_ID = 64;
    /** The run of the writers that name none (tests, benchmarks): created, or continued. */
    public static final String DEFAULT_ID = "run";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_ID - 1) + "}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    /** What opening a run whose id the store already holds does. */
    public enum Mode {
        /** Continue the run: its seq goes on from its last event. */
        CONTINUE,
        /** Refuse: the id names a run that exists ({@link StoreException}). */
        NEW,
        /** Take the first free id of {@code ID}, {@code ID-2}, {@code ID-3}, ... (generated ids). */
        NEW_UNIQUE
    }

    public RunSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(mode, "mode");
        String problem = problem(id);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** The default run, created or continued. */
    public static RunSpec continuing() {
        return new RunSpec(DEFAULT_ID, "", Mode.CONTINUE);
    }

    /**
     * A new run with a readable generated id: {@code name} (characters outside the id alphabet
     * become {@code -}, cut to leave room) plus the UTC time {@code yyyyMMdd-HHmmss-SSS}.
     */
    public static RunSpec generated(String name, Instant now, String label) {
        String base = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        String stamp = STAMP.format(now);
        int room = MAX_ID - stamp.length() - 1 - 4; // 4: room for a "-NNN" suffix
        if (base.length() > room) {
            base = base.substring(0, room);
        }
        return new RunSpec(base.isEmpty() ? stamp : base + "-" + stamp, label, Mode.NEW_UNIQUE);
    }

    /** Why {@code id} cannot name a run, or null if it can. */
    public static String problem(String id) {
        if (ID.matcher(id).matches()) {
            return null;
        }
        return "bad run id '" + id + "': use 1 to " + MAX_ID
                + " letters, digits, '.', '_' or '-', starting with a letter or digit";
    }

    /** The aggregate id prefix of this run's streams. */
    String prefix() {
        return id + "/";
    }
}
