package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import org.axonframework.eventhandling.DomainEventData;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventsourcing.EventStreamUtils;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.upcasting.event.EventUpcaster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads the events of one run from a JDBC store, in global order, a page of {@value #PAGE} rows at a
 * time (bounded memory): the rows of the run's global index range whose aggregate id has the
 * run's prefix (other runs written at the same time interleave with it in the global index),
 * upcast and deserialized by Axon ({@link EventStreamUtils#upcastAndDeserializeDomainEvents}) like
 * any read of the engine. Gaps in the global index are harmless: the range is known, and each page
 * starts after the last index read.
 */
final class RunEvents {
    static final int PAGE = 1_000;

    private RunEvents() {
    }

    /**
     * The events of {@code run}, read on {@code connection}; {@code release} runs when the stream
     * is closed or read to its end.
     */
    static Stream<RecordedEvent> stream(Connection connection, Runnable release, StoreSchema.RunRow run,
                                        Serializer serializer, EventUpcaster upcaster) {
        Pages pages = new Pages(connection, release, run);
        Stream<DomainEventData<?>> rows = StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL), false);
        return EventStreamUtils.asStream(EventStreamUtils.upcastAndDeserializeDomainEvents(rows, serializer, upcaster))
                .map(AxonEventStore::toRecorded)
                .onClose(pages::close);
    }

    private static final class Pages implements Iterator<DomainEventData<?>> {
        private final Connection connection;
        private final StoreSchema.RunRow run;
        private final String sql;
        private Runnable release;
        private long after;
        private Iterator<DomainEventData<?>> page = List.<DomainEventData<?>>of().iterator();
        private boolean lastPage;

        Pages(Connection connection, Runnable release, StoreSchema.RunRow run) {
            this.connection = connection;
            this.release = release;
            this.run = run;
            this.after = run.firstIndex() - 1;
            this.lastPage = run.lastIndex() < run.firstIndex();
            if (lastPage) {
                close();
            }
            this.sql = "SELECT globalIndex, type, aggregateIdentifier, sequenceNumber, eventIdentifier, timeStamp,"
                    + " payloadType, payloadRevision, payload, metaData FROM domainevententry"
                    + " WHERE globalIndex > ? AND globalIndex <= ?"
                    + (run.prefixed() ? " AND LEFT(aggregateIdentifier, ?) = ?" : "")
                    + " ORDER BY globalIndex LIMIT " + PAGE;
        }

        @Override
        public boolean hasNext() {
            while (!page.hasNext() && !lastPage) {
                page = fetch().iterator();
            }
            return page.hasNext();
        }

        @Override
        public DomainEventData<?> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return page.next();
        }

        private List<DomainEventData<?>> fetch() {
            List<DomainEventData<?>> rows = new ArrayList<>(PAGE);
            try {
                try (PreparedStatement p = connection.prepareStatement(sql)) {
                    p.setLong(1, after);
                    p.setLong(2, run.lastIndex());
                    if (run.prefixed()) {
                        p.setInt(3, run.prefix().length());
                        p.setString(4, run.prefix());
                    }
                    try (ResultSet rs = p.executeQuery()) {
                        while (rs.next()) {
                            after = rs.getLong(1);
                            rows.add(new GenericDomainEventEntry<>(rs.getString(2), rs.getString(3), rs.getLong(4),
                                    rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                                    rs.getBytes(9), rs.getBytes(10)));
                        }
                    }
                }
            } catch (SQLException e) {
                close();
                throw new IllegalStateException("cannot read run " + run.info().id() + ": " + EventStores.reason(e), e);
            }
            if (rows.size() < PAGE) {
                lastPage = true;
                close();
            }
            return rows;
        }

        void close() {
            Runnable r = release;
            release = null;
            if (r != null) {
                r.run();
            }
        }
    }
}
