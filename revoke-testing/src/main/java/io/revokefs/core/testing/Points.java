package io.revokefs.core.testing;

import io.revokefs.kernel.internal.Interleave;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * Records the interleaving points ({@link Interleave}) the installing thread reaches, without
 * stopping at any: which places a schedule explorer can stop at. A wait whose condition does not
 * hold at once is a test bug (nothing else runs), and throws. Use in try-with-resources; other
 * threads are not controlled.
 * <p>
 * {@link #recordFootprints()} also records each step's footprint ({@link Interleave#touch}): the
 * set of declared accesses between two points, as a schedule explorer's sleep sets see it, written
 * after the point that began the step as {@code "{READ key, WRITE key2}"} (sorted; a step that
 * declared nothing writes nothing; {@code ADD} and {@code UNKNOWN} as named by
 * {@link Interleave.Access}). A scheduler of its own can record one thread the same way with
 * {@link Steps}.
 */
public final class Points implements Interleave.Scheduler, AutoCloseable {
    private final Thread thread = Thread.currentThread();
    private final Steps steps = new Steps();
    private final boolean footprints;

    /**
     * One thread's points in order and, after each, the footprint of the step it began, in the format
     * above. Thread-safe; its owner calls {@link #point} at the thread's points and waits and
     * {@link #touch} at its declarations.
     */
    public static final class Steps {
        private final List<String> labels = new ArrayList<>();
        /** The current step's declared accesses. */
        private final TreeSet<String> step = new TreeSet<>();

        /** A point (or {@code "await LABEL"}): the current step ends and the next begins. */
        public synchronized void point(String label) {
            endStep();
            labels.add(label);
        }

        /** A declaration of the current step. */
        public synchronized void touch(Object key, Interleave.Access access) {
            step.add(access + " " + key);
        }

        /** The points so far, each followed by its step's footprint; the current step's too. */
        public synchronized List<String> labels() {
            endStep();
            return List.copyOf(labels);
        }

        private void endStep() {
            if (!step.isEmpty()) {
                labels.add("{" + String.join(", ", step) + "}");
                step.clear();
            }
        }
    }

    private Points(boolean footprints) {
        this.footprints = footprints;
    }

    /** Installs a recorder of the current thread's points. */
    public static Points record() {
        Points p = new Points(false);
        Interleave.install(p);
        return p;
    }

    /** Installs a recorder of the current thread's points and of each step's footprint. */
    public static Points recordFootprints() {
        Points p = new Points(true);
        Interleave.install(p);
        return p;
    }

    /** The points and step footprints of {@code body} run on the current thread ({@link #recordFootprints()}). */
    public static List<String> footprintsOf(Runnable body) {
        try (Points p = recordFootprints()) {
            body.run();
            return p.labels();
        }
    }

    /** The labels reached so far, in order; a wait is {@code "await LABEL"}; with footprints, the current step's too. */
    public List<String> labels() {
        return steps.labels();
    }

    @Override
    public void point(String label) {
        steps.point(label);
    }

    @Override
    public void await(String label, BooleanSupplier condition) {
        steps.point("await " + label);
        if (!condition.getAsBoolean()) {
            throw new IllegalStateException("the recorded thread would wait forever at " + label);
        }
    }

    @Override
    public void touch(Object key, Interleave.Access access) {
        if (footprints) {
            steps.touch(key, access);
        }
    }

    @Override
    public boolean controls(Thread t) {
        return t == thread;
    }

    @Override
    public void close() {
        Interleave.uninstall();
    }
}
