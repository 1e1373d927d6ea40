package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 1,000,000-event log, generated on the fly as JSON lines, read by the streaming reader and
 * audited in a JVM with a 32 MiB heap: the whole log as objects would take several hundred MiB.
 */
class BigLogAuditTest {
    static final int EVENTS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void aMillionEventLogIsAuditedInBoundedMemory() throws Exception {
        Path stderr = dir.resolve("stderr.txt");
        Process child = ChildJvm.start(Main.class, List.of("-Xmx32m", "-XX:+UseSerialGC"), stderr,
                Integer.toString(EVENTS));
        assertThat(child.waitFor(600, TimeUnit.SECONDS)).as("the audit finishes").isTrue();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        LoggerFactory.getLogger(BigLogAuditTest.class).info("child audit: {}", out);
        assertThat(child.exitValue()).as("exit status; stderr: %s", Files.readString(stderr)).isZero();
        assertThat(out).startsWith("events=" + EVENTS + " findings=0 ");
        long maxRetained = Long.parseLong(out.replaceAll(".*maxRetained=(\\d+).*", "$1"));
        // 64 objects, at most 2 files and 2 VMAs live per object, plus the remembered retired ids
        assertThat(maxRetained).isLessThanOrEqualTo(64 + 64 * 4 + Auditor.RETIRED_MEMORY);
    }

    /** The child: generate, serialize, parse and audit {@code args[0]} events. */
    public static final class Main {
        public static void main(String[] args) throws IOException {
            ChildJvm.exitWhenParentDies();
            long n = Long.parseLong(args[0]);
            long start = System.nanoTime();
            long[] findings = {0};
            Auditor auditor = new Auditor(f -> {
                if (findings[0]++ < 10) {
                    System.err.println(f);
                }
            });
            long maxRetained = 0;
            try (JsonLines.LogReader reader = new JsonLines.LogReader(new GeneratedLog(n), true, false)) {
                while (reader.hasNext()) {
                    auditor.accept(reader.next());
                    if ((auditor.eventCount() & 1023) == 0) {
                        maxRetained = Math.max(maxRetained, auditor.retainedEntries());
                    }
                }
            }
            auditor.finish();
            long ms = (System.nanoTime() - start) / 1_000_000;
            Runtime rt = Runtime.getRuntime();
            System.out.println("events=" + auditor.eventCount() + " findings=" + findings[0] + " maxRetained="
                    + maxRetained + " ms=" + ms + " heapUsedMiB=" + (rt.totalMemory() - rt.freeMemory()) / (1 << 20)
                    + " maxHeapMiB=" + rt.maxMemory() / (1 << 20));
        }
    }

    /** The JSON-lines bytes of a {@link LifeCycles} stream of {@code n} events, produced as they are read. */
    static final class GeneratedLog extends InputStream {
        private final LifeCycles events = new LifeCycles(64);
        private final long n;
        private long seq;
        private byte[] line = new byte[0];
        private int pos;

        GeneratedLog(long n) {
            this.n = n;
        }

        private boolean refill() {
            if (seq == n) {
                return false;
            }
            seq++;
            line = (JsonLines.toLine(new RecordedEvent(seq, seq * 1000, events.next())) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            pos = 0;
            return true;
        }

        @Override
        public int read() {
            if (pos == line.length && !refill()) {
                return -1;
            }
            return line[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int done = 0;
            while (done < len) {
                if (pos == line.length && !refill()) {
                    break;
                }
                int k = Math.min(len - done, line.length - pos);
                System.arraycopy(line, pos, b, off + done, k);
                pos += k;
                done += k;
            }
            return done == 0 ? -1 : done;
        }
    }
}
