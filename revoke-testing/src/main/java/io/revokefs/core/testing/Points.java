package io.revokefs.core.testing;

import io.revokefs.kernel.internal.Interleave;

import java.util.ArrayList;
import java.util.Collections;
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
 * {@link Interleave.Access}).
 */
public final class Points implements Interleave.Scheduler, AutoCloseable {
    private final Thread thread = Thread.currentThread();
    private final List<String> labels = Collections.synchronizedList(new ArrayList<>());
    private final boolean footprints;
    /** The current step's declared accesses (footprints only). */
    private final TreeSet<String> step = new TreeSet<>();

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

    /** The labels reached so far, in order; a wait is {@code "await LABEL"}; with footprints, the current step's too. */
    public List<String> labels() {
        synchronized (labels) {
            endStep();
            return List.copyOf(labels);
        }
    }

    private void endStep() {
        if (!step.isEmpty()) {
            labels.add("{" + String.join(", ", step) + "}");
            step.clear();
        }
    }

    @Override
    public void point(String label) {
        synchronized (labels) {
            endStep();
            labels.add(label);
        }
    }

    @Override
    public void await(String label, BooleanSupplier condition) {
        synchronized (labels) {
            endStep();
            labels.add("await " + label);
        }
        if (!condition.getAsBoolean()) {
            throw new IllegalStateException("the recorded thread would wait forever at " + label);
        }
    }

    @Override
    public void touch(Object key, Interleave.Access access) {
        if (footprints) {
            synchronized (labels) {
                step.add(access + " " + key);
            }
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
