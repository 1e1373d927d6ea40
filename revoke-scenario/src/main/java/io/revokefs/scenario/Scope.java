package io.revokefs.scenario;

import java.util.HashMap;
import java.util.Map;

/**
 * The names a script makes, as the parser sees them before anything runs: {@code as f1} defines
 * {@code f1}, {@code uio uio0} defines a uio device, and a line using a name no earlier line
 * defines (or a name of another kind) is malformed. A line inside a {@code together} block cannot
 * use a name another line of the same block defines: their order is not fixed. One scope spans
 * every script of a run.
 */
public final class Scope {

    /** Kinds of the language's own names. */
    public static final String PROCESS = "process";
    public static final String FILE = "open file";
    public static final String MAPPING = "mapping";
    public static final String TASK = "async operation";

    private record Definition(String kind, Step step, int block) {
    }

    private final Map<String, Map<String, Definition>> byKind = new HashMap<>();
    /** The language's own kinds share one name space (a name is a process, a file, a mapping or a task). */
    private final Map<String, Definition> ownNames = new HashMap<>();
    private int block;
    private int blocks;

    /** Defines {@code name} as a {@code kind}; later lines may use it. */
    public void define(String kind, String name, Step step) {
        Definition d = new Definition(kind, step, block);
        byKind.computeIfAbsent(kind, k -> new HashMap<>()).put(name, d);
        if (isOwn(kind)) {
            ownNames.put(name, d);
        }
    }

    /** Whether an earlier line defines {@code name} as a {@code kind}. */
    public boolean has(String kind, String name) {
        return byKind.getOrDefault(kind, Map.of()).containsKey(name);
    }

    /**
     * Throws MALFORMED unless an earlier line (outside the current {@code together} block) defines
     * {@code name} as a {@code kind}; {@code hint} says how to define one, or is null.
     */
    public void require(String kind, String name, Step step, String hint) {
        Definition d = byKind.getOrDefault(kind, Map.of()).get(name);
        if (d == null) {
            Definition other = isOwn(kind) ? ownNames.get(name) : null;
            String problem = other != null
                    ? "'" + name + "' is " + article(other.kind()) + " (" + other.step().where() + "), not " + article(kind)
                    : "no " + kind + " named '" + name + "'" + (hint == null ? "" : " (" + hint + ")");
            throw new ScenarioException(ScenarioException.Kind.MALFORMED, step, problem);
        }
        if (block != 0 && d.block() == block) {
            throw new ScenarioException(ScenarioException.Kind.MALFORMED, step, "'" + name + "' is made by "
                    + d.step().where() + " in the same together block: the lines of a block run in no fixed order");
        }
    }

    /** Marks the lines that follow as those of a new {@code together} block; returns its number (1, 2, ... across scripts). */
    int enterBlock() {
        block = ++blocks;
        return block;
    }

    /** Marks the lines that follow as outside any block. */
    void leaveBlock() {
        block = 0;
    }

    private static boolean isOwn(String kind) {
        return kind.equals(PROCESS) || kind.equals(FILE) || kind.equals(MAPPING) || kind.equals(TASK);
    }

    private static String article(String kind) {
        return ("aeiou".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ") + kind;
    }
}
