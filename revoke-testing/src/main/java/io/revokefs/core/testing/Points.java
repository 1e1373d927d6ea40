package io.revokefs.core.testing;

import io.revokefs.kernel.internal.Interleave;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Records the interleaving points ({@link Interleave}) the installing thread reaches, without
 * stopping at any: which places a schedule explorer can stop at. A wait whose condition does not
 * hold at once is a test bug (nothing else runs), and throws. Use in try-with-resources; other
 * threads are not controlled.
 */
public final class Points implements Interleave.Scheduler, AutoCloseable {
    private final Thread thread = Thread.currentThread();
    private final List<String> labels = Collections.synchronizedList(new ArrayList<>());

    private Points() {
    }

    /** Installs a recorder for the current thread. */
    public static Points record() {
        Points p = new Points();
        Interleave.install(p);
        return p;
    }

    /** The labels reached so far, in order; a wait is {@code "await LABEL"}. */
    public List<String> labels() {
        synchronized (labels) {
            return List.copyOf(labels);
        }
    }

    @Override
    public void point(String label) {
        labels.add(label);
    }

    @Override
    public void await(String label, BooleanSupplier condition) {
        labels.add("await " + label);
        if (!condition.getAsBoolean()) {
            throw new IllegalStateException("the recorded thread would wait forever at " + label);
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
