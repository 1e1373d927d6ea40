package io.revokefs.explore;

/**
 * What the explorer's test classes explore by default, and deeper with {@code -Dexplore.deep=true}:
 * the systematic bounds stay those of each class (exhaustive, with the reduction); the random
 * schedules after them are 100 by default and {@link Explorer.Options#defaults()}'s 300 deep
 * ({@code -Dexplore.random=N} sets them either way). Planted controls do not depend on it.
 */
final class TestBounds {
    static final boolean DEEP = Boolean.getBoolean("explore.deep");

    private TestBounds() {
    }

    /** The default options with the random schedules of this run. */
    static Explorer.Options options() {
        Explorer.Options d = Explorer.Options.defaults();
        return d.withSchedules(d.maxSystematic(), Integer.getInteger("explore.random", DEEP ? d.randomSchedules() : 100));
    }
}
