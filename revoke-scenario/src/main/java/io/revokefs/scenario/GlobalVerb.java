package io.revokefs.scenario;

import java.util.Objects;

/**
 * A verb without an actor ({@code pci 0000:00:02.0 bar0=16}, {@code unregister uio0}). The parser
 * checks a line's shape, then {@link #prepare}s it, before any line of any script runs: prepare
 * range-checks every number ({@link Numbers}) and every name the line needs ({@link Scope}), throwing
 * {@link ScenarioException} of kind MALFORMED, and returns the {@link Action} that runs it later.
 */
public interface GlobalVerb {

    /** The verb as written in a script. */
    String name();

    /** Its arguments and options. */
    VerbShape shape();

    /** Checks a parsed line fully without running anything; returns what runs it. */
    Action prepare(Step step, Scope scope);

    /** A checked line, run on a world: returns its outcome ({@code ok}, an errno name, ...). */
    @FunctionalInterface
    interface Action {
        String run(ScenarioWorld world);
    }

    /** How a verb prepares a line. */
    @FunctionalInterface
    interface Preparer {
        Action prepare(Step step, Scope scope);
    }

    /** A verb from parts. */
    static GlobalVerb of(String name, VerbShape shape, Preparer preparer) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(preparer, "preparer");
        return new GlobalVerb() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public VerbShape shape() {
                return shape;
            }

            @Override
            public Action prepare(Step step, Scope scope) {
                return preparer.prepare(step, scope);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
