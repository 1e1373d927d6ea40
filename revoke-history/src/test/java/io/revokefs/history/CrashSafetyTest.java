package io.revokefs.history;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A child JVM appends to an embedded H2 store in batches of {@value #BATCH} and is killed (SIGKILL)
 * in the middle; the reopened store holds a contiguous prefix that includes every batch the child
 * reported appended (with {@code COMMIT} durability), ends on a batch boundary (a batch is one transaction: no torn batch), and
 * audits without a sequence or reference problem.
 */
class CrashSafetyTest {
    static final int BATCH = 50;
    static final long KILL_AFTER = 3_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(EventStores.Durability.class)
    void aKilledWriterLeavesAContiguousPrefixOfWholeBatches(EventStores.Durability durability) throws Exception {
        Path db = dir.resolve("events");
        Process child = ChildJvm.start(Appender.class, List.of("-Xmx64m"), dir.resolve("stderr.txt"), db.toString(),
                durability.name());
        AtomicLong durable = new AtomicLong();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    durable.set(Long.parseLong(line.trim()));
                }
            } catch (Exception e) {
                // the child was killed: the pipe breaks
            }
        });
        reader.start();
        // a bound on a stuck child, not a speed requirement (a loaded machine starts JVMs slowly)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (durable.get() < KILL_AFTER && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(child.isAlive()).as("the child is still appending; stderr: %s",
                Files.readString(dir.resolve("stderr.txt"))).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);
        long reported = durable.get();
        assertThat(reported).isGreaterThanOrEqualTo(KILL_AFTER);

        try (RevokeEventStore store = EventStores.embedded(db, durability)) {
            long last = store.lastSeq();
            LoggerFactory.getLogger(CrashSafetyTest.class).info("{}: child reported {} appended, store holds {}",
                    durability, reported, last);
            if (durability == EventStores.Durability.COMMIT) {
                assertThat(last).as("every batch reported durable is there").isGreaterThanOrEqualTo(reported);
            }
            assertThat(last % BATCH).as("whole batches only").isZero();
            List<RecordedEvent> events;
            try (Stream<RecordedEvent> all = store.readAll()) {
                events = all.toList();
            }
            assertThat(events).extracting(RecordedEvent::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
            List<Finding> findings = Auditor.audit(events);
            assertThat(findings).extracting(Finding::invariant)
                    .doesNotContain(Invariant.SEQ_CONTIGUOUS, Invariant.KNOWN_REFERENCES, Invariant.RELEASE_ONCE,
                            Invariant.NO_ENTRY_AFTER_REVOKE, Invariant.NO_LIVE_MAPPING_AFTER_REVOKE);
            // and the store goes on from there
            assertThat(store.recorder().record(new LifeCycles(1).next())).isEqualTo(last + 1);
        }
    }

    /** The child: append life cycles forever in batches, printing each durable seq. */
    public static final class Appender {
        public static void main(String[] args) {
            ChildJvm.exitWhenParentDies();
            try (RevokeEventStore store = EventStores.embedded(Path.of(args[0]),
                    EventStores.Durability.valueOf(args[1]))) {
                EventRecorder recorder = store.bufferedRecorder(BATCH);
                LifeCycles events = new LifeCycles(8);
                while (true) {
                    long seq = recorder.record(events.next());
                    if (seq % BATCH == 0) {
                        // the batch was committed inside record(): report it
                        System.out.println(seq);
                        System.out.flush();
                    }
                }
            }
        }
    }
}
