package io.revokefs.core.event;

import java.util.Objects;

/**
 * An event with its place in the log.
 *
 * @param seq position in the run's log, from 1, without gaps
 * @param timeNanos extra field {@code t}: nanoseconds since the recorder was created (monotonic),
 *     used for durations in reports; not part of replayed state
 * @param event the event
 */
public record RecordedEvent(long seq, long timeNanos, RevokeEvent event) {
    public RecordedEvent {
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, got " + seq);
        }
        Objects.requireNonNull(event, "event");
    }

    public String type() {
        return event.type();
    }

    public String object() {
        return event.object();
    }
}
