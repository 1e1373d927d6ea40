package io.revokefs.scenario;

import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

/**
 * An adapter's part of {@code revokefs fuzz}: a generator {@linkplain #start starts} a session for each
 * random scenario, and the fuzzer asks the sessions for global lines (devices added, removed, ...),
 * for the paths a process may open, and for mmap offsets that make sense on them. The fuzzer itself
 * writes the process lines (open, mmap, load, fork, ...). Every line goes through
 * {@link Context#run}, which runs it at once and records it with its outcome as its {@code expect},
 * so the saved script replays the same run.
 */
public interface FuzzGenerator {

    /** A session for one scenario. */
    Session start(Context context);

    /** What a session can ask of the fuzzer. */
    interface Context {
        /** The scenario's random source (the only one: a seed gives one script). */
        Random random();

        /** Runs one script line; returns its outcome ({@code ok}, an errno name, ...; {@code started} for an async start). */
        String run(String line);

        /** A new name with this prefix, unique in the scenario. */
        String name(String prefix);

        /** Physical page ranges some adapter put devices at ({@code {first, pages}}), for views of physical memory. */
        List<long[]> physicalRanges();

        /** Adds a physical range (a BAR) others may map through their views. */
        void addPhysicalRange(long first, long pages);

        /** A physical page for a view of physical memory: in a range a device is at, or where one would be. */
        default long physicalPage() {
            List<long[]> ranges = physicalRanges();
            if (ranges.isEmpty()) {
                return 0x80000;
            }
            long[] r = ranges.get(random().nextInt(ranges.size()));
            return r[0] + random().nextInt((int) r[1]);
        }

        /** The world the scenario runs on, for checks. */
        ScenarioWorld world();
    }

    /** One scenario's generator state. */
    interface Session {
        /** Maybe runs one global line; false when there was nothing to do. */
        boolean global();

        /** The paths a process may open now. */
        List<String> paths();

        /** An mmap offset (pages, as the file takes it) for a file opened at {@code path}; empty when the path is not this adapter's. */
        OptionalLong mmapOffset(String path);

        /** Told that {@code process} opened {@code path} as {@code file}: may run lines on it (an ioctl that sets it up). */
        default void opened(String process, String file, String path) {
        }

        /** Takes over a read of {@code file} (opened at {@code path}) by {@code process}, as uio's sleeping reads need; false to let the fuzzer write a plain read. */
        default boolean read(String process, String file, String path) {
            return false;
        }

        /** Ends the scenario: wakes and collects what still sleeps. */
        default void finish() {
        }

        /** Problems after the run that only this adapter knows to look for (a PTE into a claimed range). */
        default List<String> check(ScenarioWorld world) {
            return List.of();
        }
    }
}
