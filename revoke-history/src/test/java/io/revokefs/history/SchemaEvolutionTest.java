package io.revokefs.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.revokefs.kernel.Errno;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The schema-0 fixture reads as schema-1 events through the JSON-lines import and the Axon upcaster. */
class SchemaEvolutionTest {
    static final String FIXTURE = "/v0-uio-run.jsonl";
    static final String UIO = Logs.UIO;

    @TempDir
    Path dir;

    /** What the fixture means in schema 1: the mapping is the object's own, nothing was populated eagerly. */
    static final List<RevokeEvent> EXPECTED = List.of(
            new ObjectRegistered(UIO, "uio"),
            new FileOpened(UIO, "file-1", 7),
            new Mmapped(UIO, "file-1", "vma-1", 7, 0, 4, UIO, 0),
            new Faulted(UIO, "vma-1", 1),
            new OpenRefused(UIO, "file-2", 8, Errno.EBUSY),
            new RevokeStarted(UIO, "unregister"),
            new AccessRefused(UIO, "read", "EIO", "file-1", null),
            new RevokeDrained(UIO, 1),
            new MappingsZapped(UIO, 1, 1, UIO, 0, 4),
            new FileReleased(UIO, "file-1", ReleaseCause.REVOKE),
            new RevokeCompleted(UIO),
            new VmaUnmapped(UIO, "vma-1", 0, 4),
            new FileClosed(UIO, "file-1"));

    @Test
    void aVersion0LogImportsAsVersion1Events() throws IOException {
        List<RecordedEvent> events;
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream(FIXTURE))) {
            events = JsonLines.readAll(in);
        }
        assertThat(events).isEqualTo(Logs.numbered(EXPECTED).stream()
                .map(e -> new RecordedEvent(e.seq(), 0, e.event())).toList());
        assertThat(Auditor.audit(events)).isEmpty();
        // and it is written back in schema 1
        assertThat(JsonLines.toLine(events.get(2))).startsWith("{\"v\":1,\"seq\":3,\"type\":\"Mmapped\",\"object\":\"" + UIO + "\"");
    }

    @Test
    void version0RowsInTheAxonStoreAreUpcastOnRead() throws Exception {
        Path db = dir.resolve("old");
        insertAsRevision0(db, fixtureLines());
        // read-only, the schema-1 store is one run
        try (StoreReader reader = EventStores.readEmbedded(db); Stream<RecordedEvent> all = reader.read(StoreSchema.LEGACY_RUN)) {
            assertThat(reader.runs()).extracting(RunInfo::id).containsExactly(StoreSchema.LEGACY_RUN);
            assertThat(all.map(RecordedEvent::event)).containsExactlyElementsOf(EXPECTED);
        }
        try (RevokeEventStore store = EventStores.embedded(db, EventStores.Durability.COMMIT,
                new RunSpec(StoreSchema.LEGACY_RUN, "", RunSpec.Mode.CONTINUE))) {
            assertThat(store.lastSeq()).isEqualTo(EXPECTED.size());
            try (Stream<RecordedEvent> all = store.readAll()) {
                assertThat(all.map(RecordedEvent::event)).containsExactlyElementsOf(EXPECTED);
            }
            assertThat(store.readObject(UIO)).extracting(RecordedEvent::event).containsExactlyElementsOf(EXPECTED);
            // new events follow the old ones in the same aggregate stream
            assertThat(store.recorder().record(new ObjectRegistered(UIO, "uio"))).isEqualTo(EXPECTED.size() + 1);
            assertThat(store.readObject(UIO)).hasSize(EXPECTED.size() + 1);
        }
    }

    private static List<String> fixtureLines() throws IOException, URISyntaxException {
        return Files.readAllLines(Path.of(SchemaEvolutionTest.class.getResource(FIXTURE).toURI()));
    }

    /**
     * Writes the fixture as an older revoke-history would have: the event body (no envelope) as the
     * payload, revision "0", seq in the metadata, one aggregate stream per object, in Axon's tables
     * alone (schema 1: no runs).
     */
    private static void insertAsRevision0(Path db, List<String> lines) throws IOException, SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "")) {
            org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory.INSTANCE
                    .createDomainEventTable(c, org.axonframework.eventsourcing.eventstore.jdbc.EventSchema.builder().build()).execute();
        }
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
             PreparedStatement insert = c.prepareStatement("insert into domainevententry (eventidentifier,"
                     + " aggregateidentifier, sequencenumber, type, timestamp, payloadtype, payloadrevision, payload,"
                     + " metadata) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            long sequence = 0;
            for (String line : lines) {
                ObjectNode node = (ObjectNode) JsonLines.MAPPER.readTree(line);
                long seq = node.remove("seq").asLong();
                String kind = node.remove("kind").asText();
                node.remove("v");
                insert.setString(1, UUID.randomUUID().toString());
                insert.setString(2, node.get("object_id").asText());
                insert.setLong(3, sequence++);
                insert.setString(4, RevokeEventStore.AGGREGATE_TYPE);
                insert.setString(5, Instant.now().toString());
                insert.setString(6, RevokeEvent.class.getName() + "$" + kind);
                insert.setString(7, SchemaV0Upcaster.REVISION_0);
                insert.setBytes(8, node.toString().getBytes(StandardCharsets.UTF_8));
                insert.setBytes(9, ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
