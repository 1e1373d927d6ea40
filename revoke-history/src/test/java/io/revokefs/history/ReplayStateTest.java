package io.revokefs.history;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.history.ReplayState.Life;
import io.revokefs.history.ReplayState.ObjectState;
import io.revokefs.history.ReplayState.PageRange;
import io.revokefs.history.ReplayState.VmaState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
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

    private static SortedMap<String, VmaState> vmas(Object... idAndState) {
        SortedMap<String, VmaState> m = new TreeMap<>();
        for (int i = 0; i < idAndState.length; i += 2) {
            m.put((String) idAndState[i], (VmaState) idAndState[i + 1]);
        }
        return m;
    }
}
