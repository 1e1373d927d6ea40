package io.revokefs.core.event;

import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.Tracepoints;

/**
 * The port through which the library reports lifecycle events. An implementation assigns the
 * {@code seq} and must append events in the order its {@link #record} calls return: the library
 * relies on it (an event recorded before another is ordered before it).
 *
 * <p>Implementations are thread-safe. A recorder that cannot store an event throws: the run is then
 * broken and must not go on silently.
 */
@FunctionalInterface
public interface EventRecorder extends Tracepoints {

    /**
     * The footprint key (Interleave.touch) of the log: every append writes it, since the order of
     * appends is what the auditor judges; recorders declare it, and so does every object's record.
     */
    String FOOTPRINT_KEY = "event log";

    /** Appends {@code event} and returns its {@code seq}. */
    long record(RevokeEvent event);

    /** The kernel's {@code revoke_iomem} zap, as a {@code MappingsZapped} of {@link Kernel#IOMEM_OBJECT}. */
    @Override
    default void iomemRevoked(int vmas, long ptes, String mapping, long firstPfn, long pages) {
        record(new RevokeEvent.MappingsZapped(Kernel.IOMEM_OBJECT, vmas, ptes, mapping, firstPfn, pages));
    }

    /** A recorder that keeps nothing (benchmarks of the mechanism alone). Its seq counts anyway. */
    static EventRecorder discarding() {
        java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
        return event -> seq.incrementAndGet();
    }
}
