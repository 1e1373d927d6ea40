package io.revokefs.explore;

/**
 * A race case to explore: builds a fresh {@link RaceWorld} (the same world every time: the explorer
 * replays schedules by re-running it) with its threads and its own checks.
 */
public interface ExploreCase {

    /** The docs/races.md id, e.g. {@code R05}; naive variants add a suffix ({@code R04-naive-inside-mmap}). */
    String id();

    /** One line: what races what, and what must hold. */
    String description();

    /** A new world for one schedule. Runs on the explorer's thread, outside any schedule. */
    RaceWorld newWorld();

    /** A case from parts. */
    static ExploreCase of(String id, String description, java.util.function.Supplier<RaceWorld> world) {
        return new ExploreCase() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public RaceWorld newWorld() {
                return world.get();
            }

            @Override
            public String toString() {
                return id;
            }
        };
    }
}
