package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent.FileOpened;
import io.revokefs.core.event.RevokeEvent.ObjectRegistered;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 18 point 10: a store's payloads are read by the rules of a JSON line. */
class StorePayloadTest {
    @TempDir
    Path dir;

    @Test
    void aStorePayloadMissingARequiredFieldIsRefusedWithItsSeq() throws Exception {
        Path file = dir.resolve("store");
        writeThreeEvents(file);
        setPayload(file, 2, "{\"object\":\"o\",\"file\":\"file-1\"}");
        try (RevokeEventStore store = EventStores.embedded(file)) {
            assertThatThrownBy(() -> {
                try (Stream<RecordedEvent> s = store.readAll()) {
                    s.forEach(e -> { });
                }
            }).hasMessageContaining("stored event seq 2: missing required field 'pid' of FileOpened");
        }
    }

    @Test
    void aStorePayloadWithANewlineInAnIdIsRefusedWithItsSeq() throws Exception {
        Path file = dir.resolve("store");
        writeThreeEvents(file);
        setPayload(file, 2, "{\"object\":\"o\\nforged\",\"file\":\"file-1\",\"pid\":7}");
        try (RevokeEventStore store = EventStores.embedded(file)) {
            assertThatThrownBy(() -> {
                try (Stream<RecordedEvent> s = store.readAll()) {
                    s.forEach(e -> { });
                }
            }).hasMessageContaining("stored event seq 2: field 'object' holds the control character U+000A");
        }
    }

    @Test
    void aStoreWrittenByTheLibraryReadsBackEqual() throws Exception {
        Path file = dir.resolve("store");
        writeThreeEvents(file);
        try (RevokeEventStore store = EventStores.embedded(file); Stream<RecordedEvent> s = store.readAll()) {
            assertThat(s.map(RecordedEvent::event).toList()).isEqualTo(List.of(new ObjectRegistered("o", "uio"),
                    new FileOpened("o", "file-1", 7), new ObjectRegistered("p", "uio")));
        }
    }

    /** Three events; the second is the one the tests damage (opening a store reads the last one). */
    private static void writeThreeEvents(Path file) {
        try (RevokeEventStore store = EventStores.embedded(file)) {
            store.recorder().record(new ObjectRegistered("o", "uio"));
            store.recorder().record(new FileOpened("o", "file-1", 7));
            store.recorder().record(new ObjectRegistered("p", "uio"));
        }
    }

    /** Rewrites the payload of the store's one FileOpened (seq 2) behind the store's back. */
    private static void setPayload(Path file, long seq, String json) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + file.toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
             PreparedStatement st = c.prepareStatement(
                     "UPDATE domainevententry SET payload = ? WHERE payloadtype LIKE ?")) {
            st.setBytes(1, json.getBytes(StandardCharsets.UTF_8));
            st.setString(2, "%FileOpened");
            assertThat(st.executeUpdate()).isEqualTo(1);
        }
    }
}
