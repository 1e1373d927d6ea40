package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The JDBC store against a real PostgreSQL server (binaries from Maven Central, started by the test). */
class PostgresStoreTest {
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static String url() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Test
    void postgresStoreKeepsOrderStreamsAndSequenceAcrossReopen() {
        try (RevokeEventStore store = EventStores.jdbc(url(), "postgres", "postgres")) {
            StoreContract.recordsAndReadsBack(store);
        }
        List<RevokeEvent> run = Logs.cleanRun();
        try (RevokeEventStore store = EventStores.jdbc(url(), "postgres", "postgres")) {
            assertThat(store.lastSeq()).isEqualTo(run.size());
            EventRecorder buffered = store.bufferedRecorder(10);
            run.forEach(buffered::record);
        }
        try (RevokeEventStore store = EventStores.jdbc(url(), "postgres", "postgres");
             Stream<RecordedEvent> all = store.readAll()) {
            List<RecordedEvent> events = all.toList();
            assertThat(events).hasSize(2 * run.size());
            assertThat(Auditor.audit(events)).filteredOn(f -> f.invariant() == Auditor.Invariant.SEQ_CONTIGUOUS).isEmpty();
            assertThat(store.readObject(Logs.RES0)).hasSize(2 * (int) run.stream().filter(e -> e.object().equals(Logs.RES0)).count());
        }
    }
}
