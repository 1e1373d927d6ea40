package io.revokefs.core.event;

import io.revokefs.kernel.internal.Interleave;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link EventRecorder} that keeps the log in memory, for tests and for the command line's
 * in-process runs. Appends are serialized, so {@code seq} order is append order. Listeners are
 * called under the append lock, in order.
 */
public final class InMemoryEventLog implements EventRecorder {
    private final long origin = System.nanoTime();
    private final List<RecordedEvent> events = new ArrayList<>();
    private final List<Consumer<RecordedEvent>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public synchronized long record(RevokeEvent event) {
        Interleave.touch(FOOTPRINT_KEY, true);
        RecordedEvent recorded = new RecordedEvent(events.size() + 1L, System.nanoTime() - origin, event);
        events.add(recorded);
        for (Consumer<RecordedEvent> l : listeners) {
            l.accept(recorded);
        }
        return recorded.seq();
    }

    /** Calls {@code listener} with every event appended from now on, in seq order. */
    public void addListener(Consumer<RecordedEvent> listener) {
        listeners.add(listener);
    }

    /** A snapshot of the log. */
    public synchronized List<RecordedEvent> events() {
        Interleave.touch(FOOTPRINT_KEY, false);
        return List.copyOf(events);
    }

    /** The events of one object, in seq order. */
    public synchronized List<RecordedEvent> eventsOf(String object) {
        Interleave.touch(FOOTPRINT_KEY, false);
        return events.stream().filter(e -> e.object().equals(object)).toList();
    }

    public synchronized int size() {
        Interleave.touch(FOOTPRINT_KEY, false);
        return events.size();
    }
}
