package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.history.ReplayState.Life;
import io.revokefs.history.ReplayState.ObjectState;
import io.revokefs.history.ReplayState.PageRange;
import io.revokefs.history.ReplayState.VmaState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static io.revokefs.history.Logs.IOMEM;
import static io.revokefs.history.Logs.MEM;
import static io.revokefs.history.Logs.RES0;
import static org.assertj.core.api.Assertions.assertThat;

class ReplayStateTest {
    @TempDir
    Path dir;

    @Test
    void atTheEndTheRevokedResourceHasNoMappingAndTheAliasLostItsPages() {
        ReplayState state = ReplayState.of(Logs.numbered(Logs.cleanRun()));
        assertThat(state.lastSeq()).isEqualTo(Logs.cleanRun().size());
        // Each life keeps its own releases: file-1 was revoked in life 1, file-5 closed in life 2.
        assertThat(state.object(RES0)).isEqualTo(new ObjectState(List.of(
                new Life(1, "sysfs", true, new TreeSet<>(), new TreeMap<>(Map.of("file-1", ReleaseCause.REVOKE)), new TreeMap<>()),
                new Life(2, "sysfs", false, new TreeSet<>(), new TreeMap<>(Map.of("file-5", ReleaseCause.CLOSE)), new TreeMap<>()))));
        // /dev/mem's VMA shares the iomem mapping: the resource's zap cleared its eager pages too.
        assertThat(state.object(MEM)).isEqualTo(new ObjectState(List.of(new Life(1, "devmem", false, new TreeSet<>(Set.of("file-2")),
                new TreeMap<>(), vmas("vma-3", new VmaState(100, IOMEM, List.of(new PageRange(0x80, 2)), List.of()))))));
    }

    @Test
    void upToASeqShowsFaultsForkAndPartialUnmapBeforeTheRevoke() {
        ReplayState state = ReplayState.upTo(Logs.numbered(Logs.cleanRun()).stream(), 12);
        ObjectState res0 = state.object(RES0);
        assertThat(res0.revoked()).isFalse();
        assertThat(res0.openFiles()).containsExactly("file-1");
        assertThat(res0.vmas()).isEqualTo(vmas(
                "vma-1", new VmaState(100, IOMEM, List.of(new PageRange(0x80, 3)), List.of(new PageRange(0x80, 2))),
                "vma-2", new VmaState(101, IOMEM, List.of(new PageRange(0x80, 4)), List.of(new PageRange(0x80, 2)))));
        assertThat(state.object(MEM).vmas().get("vma-3").populated()).containsExactly(new PageRange(0x80, 2));
    }

    @Test
    void duringTheRevokeTheObjectIsRevokedAndTheZapLeavesVmasInPlace() {
        long zapped = 16;
        ReplayState state = ReplayState.upTo(Logs.numbered(Logs.cleanRun()).stream(), zapped);
        assertThat(state.lastSeq()).isEqualTo(zapped);
        assertThat(state.object(RES0).revoked()).isTrue();
        assertThat(state.object(RES0).vmas().values()).extracting(VmaState::populated).containsOnly(List.of());
        assertThat(state.object(RES0).vmas()).containsOnlyKeys("vma-1", "vma-2");
    }

    @Test
    void replayFromAFileFromAStoreAndFromMemoryAgree() throws IOException {
        List<RecordedEvent> events = Logs.numbered(Logs.cleanRun());
        Path file = dir.resolve("run.jsonl");
        JsonLines.export(events.stream(), file);
        ReplayState fromMemory = ReplayState.of(events);
        try (Stream<RecordedEvent> s = JsonLines.stream(file)) {
            assertThat(ReplayState.of(s)).isEqualTo(fromMemory);
        }
        try (RevokeEventStore store = EventStores.inMemory()) {
            Logs.cleanRun().forEach(store.recorder()::record);
            try (Stream<RecordedEvent> s = store.readAll()) {
                assertThat(ReplayState.of(s)).isEqualTo(fromMemory);
            }
        }
        assertThat(ReplayState.upTo(events.stream(), 5)).isNotEqualTo(fromMemory);
    }

    @Test
    void theStateIsImmutable() {
        ReplayState state = ReplayState.of(Logs.numbered(Logs.cleanRun()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> state.object(MEM).openFiles().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void eachLifeKeepsItsOwnFilesAndVmas() {
        // file-1 and vma-1 of life 1 outlive its revoke into life 2; a fork then copies vma-1.
        List<RecordedEvent> log = Logs.numbered(List.of(
                new ObjectRegistered(RES0, "sysfs"), new FileOpened(RES0, "file-1", 7),
                new Mmapped(RES0, "file-1", "vma-1", 7, 0, 2, RES0, 0),
                new RevokeStarted(RES0, "hot-unplug"), new RevokeDrained(RES0, 0),
                new MappingsZapped(RES0, 1, 0, RES0, 0, 2), new FileReleased(RES0, "file-1", ReleaseCause.REVOKE),
                new RevokeCompleted(RES0),
                new ObjectRegistered(RES0, "sysfs"), new FileOpened(RES0, "file-2", 7),
                new VmaDuplicated(RES0, "vma-2", "vma-1", 8, 0),
                new FileReleased(RES0, "file-2", ReleaseCause.CLOSE), new FileClosed(RES0, "file-2"),
                new FileClosed(RES0, "file-1")));
        ObjectState res0 = ReplayState.of(log).object(RES0);
        assertThat(res0.lives()).hasSize(2);
        Life first = res0.lives().get(0);
        Life second = res0.lives().get(1);
        assertThat(first.number()).isEqualTo(1);
        assertThat(first.revoked()).isTrue();
        assertThat(first.openFiles()).isEmpty();
        assertThat(first.releases()).containsOnlyKeys("file-1");
        assertThat(first.vmas()).containsOnlyKeys("vma-1", "vma-2");
        assertThat(second.number()).isEqualTo(2);
        assertThat(second.revoked()).isFalse();
        assertThat(second.releases()).containsOnlyKeys("file-2");
        assertThat(second.vmas()).isEmpty();
        assertThat(res0.vmas()).as("the current life's").isEmpty();
    }

    @Test
    void streamingReplayHandsOutEachLifeOnceItIsOverAndAgreesWithTheWholeReplay() {
        List<RecordedEvent> events = new ArrayList<>();
        LifeCycles gen = new LifeCycles(8);
        for (long seq = 1; seq <= 8 * LifeCycles.EVENTS_PER_LIFE * 5 + 3; seq++) {
            events.add(new RecordedEvent(seq, 0, gen.next()));
        }
        ReplayState whole = ReplayState.of(events);
        Map<String, List<Life>> handedOut = new TreeMap<>();
        ReplayState.Streaming streaming = ReplayState.stream((id, life) -> handedOut.computeIfAbsent(id, k -> new ArrayList<>()).add(life));
        for (RecordedEvent e : events) {
            streaming.accept(e);
        }
        ReplayState rest = streaming.finish();
        // The last 3 events began the sixth life of objects 0, 1 and 2 (round robin); every other life is
        // over, was handed out, and is forgotten.
        assertThat(rest.objects()).hasSize(3).allSatisfy((id, o) ->
                assertThat(o.lives()).extracting(Life::number).containsExactly(6));
        assertThat(handedOut).hasSize(8).allSatisfy((id, lives) ->
                assertThat(lives).extracting(Life::number).containsExactly(1, 2, 3, 4, 5));
        handedOut.forEach((id, lives) -> {
            List<Life> all = new ArrayList<>(lives);
            if (rest.object(id) != null) {
                all.addAll(rest.object(id).lives());
            }
            assertThat(all).isEqualTo(whole.object(id).lives());
        });
    }

    private static SortedMap<String, VmaState> vmas(Object... idAndState) {
        SortedMap<String, VmaState> m = new TreeMap<>();
        for (int i = 0; i < idAndState.length; i += 2) {
            m.put((String) idAndState[i], (VmaState) idAndState[i + 1]);
        }
        return m;
    }
}
