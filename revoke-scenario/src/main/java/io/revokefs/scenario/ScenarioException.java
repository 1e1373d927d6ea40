package io.revokefs.scenario;

/**
 * A scenario that cannot go on. {@link Kind#MALFORMED}: the line is wrong (unknown verb, bad
 * argument, a number out of range, an unknown name), found before anything runs; {@link Kind#EXPECTATION}: the line ran and its {@code expect} did not
 * hold. The message starts with {@code script:line}.
 */
public final class ScenarioException extends RuntimeException {

    /** What went wrong. */
    public enum Kind { MALFORMED, EXPECTATION }

    private final Kind kind;

    public ScenarioException(Kind kind, Step step, String problem) {
        super(step.where() + ": " + problem + "\n  " + ScenarioParser.shown(step.text()));
        this.kind = kind;
    }

    public ScenarioException(Kind kind, String where, String problem) {
        super(where + ": " + problem);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
