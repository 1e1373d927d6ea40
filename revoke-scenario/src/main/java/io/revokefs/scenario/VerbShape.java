package io.revokefs.scenario;

import java.util.Set;
import java.util.TreeSet;

/**
 * The shape of a verb, checked by the parser: how many positional arguments, which {@code key=value}
 * options (besides {@code expect}), whether it takes {@code as NAME} and whether it must.
 */
public record VerbShape(int minArgs, int maxArgs, Set<String> options, boolean as, boolean asRequired) {

    public VerbShape {
        if (minArgs < 0 || maxArgs < minArgs) {
            throw new IllegalArgumentException("bad argument counts " + minArgs + ".." + maxArgs);
        }
        options = Set.copyOf(new TreeSet<>(options));
        if (asRequired && !as) {
            throw new IllegalArgumentException("'as' required but not taken");
        }
    }

    /** {@code min} to {@code max} arguments, no options, no {@code as}. */
    public static VerbShape args(int min, int max) {
        return new VerbShape(min, max, Set.of(), false, false);
    }

    /** These shapes with these options. */
    public VerbShape options(String... names) {
        return new VerbShape(minArgs, maxArgs, Set.of(names), as, asRequired);
    }

    /** This shape taking {@code as NAME}, which is then required when {@code required}. */
    public VerbShape withAs(boolean required) {
        return new VerbShape(minArgs, maxArgs, options, true, required);
    }
}
