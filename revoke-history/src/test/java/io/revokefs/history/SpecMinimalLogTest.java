package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Invariant;
import io.revokefs.history.ReplayState.PageRange;
import io.revokefs.history.ReplayState.VmaState;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A log that carries only the fields of docs/semantics.md section 7's table, as another tool would write
 * it (issue 13 point 7): no {@code mapping}, {@code populated}, {@code first}/{@code count}, {@code
 * ptes}, no {@code pgoff}/{@code pages} on {@code VmaUnmapped}, no {@code t}. It reads with the
 * documented defaults, audits clean, replays, and each planted violation is found.
 */
class SpecMinimalLogTest {
    static final String UIO = "uio:/dev/uio0";

    static List<String> lines() throws IOException {
        try (InputStream in = SpecMinimalLogTest.class.getResourceAsStream("/spec-minimal.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    static List<RecordedEvent> read(List<String> lines) throws IOException {
        return JsonLines.readAll(new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void specMinimalLogReadsWithTheDocumentedDefaults() throws IOException {
        List<RecordedEvent> events = read(lines());
        assertThat(events).hasSize(22);
        assertThat(events.get(2).event()).isEqualTo(new Mmapped(UIO, "f1", "m1", 7, 0, 4, UIO, 0));
        assertThat(events.get(4).event()).isEqualTo(new VmaDuplicated(UIO, "m2", "m1", 8, 0));
        assertThat(events.get(11).event()).isEqualTo(new MappingsZapped(UIO, 2, 2, UIO, 0, EventCodec.WHOLE));
        assertThat(events.get(15).event()).isEqualTo(new VmaUnmapped(UIO, "m2", 0, EventCodec.WHOLE));
        assertThat(events).extracting(RecordedEvent::timeNanos).containsOnly(0L);
    }

    @Test
    void specMinimalLogAuditsClean() throws IOException {
        assertThat(Auditor.audit(read(lines()))).isEmpty();
    }

    @Test
    void specMinimalLogReplaysLifeByLife() throws IOException {
        ReplayState state = ReplayState.of(read(lines()));
        ReplayState.ObjectState uio = state.object(UIO);
        assertThat(uio.lives()).extracting(ReplayState.Life::number).containsExactly(1, 2);
        ReplayState.Life first = uio.lives().get(0);
        assertThat(first.revoked()).isTrue();
        assertThat(first.openFiles()).isEmpty();
        assertThat(first.vmas()).isEmpty();
        assertThat(first.releases()).isEqualTo(Map.of("f1", ReleaseCause.REVOKE));
        assertThat(uio.current().openFiles()).containsExactly("f3");
        assertThat(uio.current().vmas()).isEqualTo(Map.of("m4",
                new VmaState(7, UIO, List.of(new PageRange(0, 2)), List.of(new PageRange(0, 1)))));
    }

    @Test
    void specMinimalLogReplayAtTheZapShowsTheWholeMappingCleared() throws IOException {
        ReplayState state = ReplayState.upTo(read(lines()).stream(), 12);
        // m2 is a fork's copy without ptes: it faulted its own page 1; the zap took m1's page 2 and it.
        assertThat(state.object(UIO).vmas()).containsOnlyKeys("m1", "m2");
        assertThat(state.object(UIO).vmas().values()).extracting(VmaState::populated).containsOnly(List.of());
        ReplayState before = ReplayState.upTo(read(lines()).stream(), 11);
        assertThat(before.object(UIO).vmas().get("m2").populated()).containsExactly(new PageRange(1, 1));
    }

    // Each planted violation, found with its id and seq.

    @Test
    void specMinimalLogFaultAfterRevokeIsFound() throws IOException {
        List<String> log = insertAfter(lines(), 11,
                "{\"v\":1,\"seq\":0,\"type\":\"Faulted\",\"object\":\"uio:/dev/uio0\",\"vma\":\"m1\",\"pgoff\":0}");
        assertThat(findings(log)).containsExactly(tuple(Invariant.NO_ENTRY_AFTER_REVOKE, 12L));
    }

    @Test
    void specMinimalLogRevokeWithoutZapLeavesALiveMapping() throws IOException {
        List<String> log = remove(lines(), 12);
        assertThat(findings(log)).contains(tuple(Invariant.NO_LIVE_MAPPING_AFTER_REVOKE, 13L),
                tuple(Invariant.REVOKE_ORDER, 13L));
    }

    @Test
    void specMinimalLogSecondReleaseIsFound() throws IOException {
        List<String> log = insertAfter(lines(), 13,
                "{\"v\":1,\"seq\":0,\"type\":\"FileReleased\",\"object\":\"uio:/dev/uio0\",\"file\":\"f1\",\"cause\":\"CLOSE\"}");
        assertThat(findings(log)).containsExactly(tuple(Invariant.RELEASE_ONCE, 14L));
    }

    @Test
    void specMinimalLogZapBeforeDrainIsFound() throws IOException {
        List<String> log = new ArrayList<>(lines());
        String drained = log.get(10);
        log.set(10, log.get(11));
        log.set(11, drained);
        assertThat(findings(renumber(log))).contains(tuple(Invariant.REVOKE_ORDER, 11L), tuple(Invariant.REVOKE_ORDER, 12L));
    }

    @Test
    void specMinimalLogSeqGapIsFound() throws IOException {
        List<String> log = new ArrayList<>(lines());
        log.set(5, log.get(5).replace("\"seq\":6", "\"seq\":7"));
        assertThat(findings(log)).containsExactly(tuple(Invariant.SEQ_CONTIGUOUS, 7L), tuple(Invariant.SEQ_CONTIGUOUS, 7L));
    }

    @Test
    void specMinimalLogUnknownVmaIsFound() throws IOException {
        List<String> log = insertAfter(lines(), 4,
                "{\"v\":1,\"seq\":0,\"type\":\"Faulted\",\"object\":\"uio:/dev/uio0\",\"vma\":\"m9\",\"pgoff\":0}");
        assertThat(findings(log)).containsExactly(tuple(Invariant.KNOWN_REFERENCES, 5L));
    }

    private static List<org.assertj.core.groups.Tuple> findings(List<String> log) throws IOException {
        return Auditor.audit(read(log)).stream().map(f -> tuple(f.invariant(), f.seq())).toList();
    }

    /** Inserts {@code line} after line {@code n} (1-based) and renumbers every seq from 1. */
    private static List<String> insertAfter(List<String> lines, int n, String line) {
        List<String> out = new ArrayList<>(lines);
        out.add(n, line);
        return renumber(out);
    }

    private static List<String> remove(List<String> lines, int n) {
        List<String> out = new ArrayList<>(lines);
        out.remove(n - 1);
        return renumber(out);
    }

    private static List<String> renumber(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            out.add(lines.get(i).replaceFirst("\"seq\":\\d+", "\"seq\":" + (i + 1)));
        }
        return out;
    }

}
