package io.revokefs.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.history.ReplayState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The state-at-seq view's data, applied stop by stop as the page's script applies it, equals what
 * {@link ReplayState} (the replay command) rebuilds at the same seq: VMAs with their mapped pages and
 * pages with PTEs, open files, releases, revoked objects.
 */
class StateViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyStopOfThePciThreeViewsRunEqualsReplayUntilItsSeq() throws Exception {
        List<RecordedEvent> events = Runs.scenario(Runs.PCI_THREE_VIEWS);
        int stops = checkEveryStop(events, HtmlReport.Limits.DEFAULT);
        assertThat(stops).isEqualTo(events.size());
    }

    @Test
    void everyStopOfTheSimulatedRunWithItsForkEqualsReplayUntilItsSeq() throws Exception {
        List<RecordedEvent> events = Runs.simulatedRun();
        assertThat(checkEveryStop(events, HtmlReport.Limits.DEFAULT)).isEqualTo(events.size());
    }

    @Test
    void aLogLongerThanTheStopsStopsAtEveryKthEventAndEachCascadeAndStillEqualsReplay() throws Exception {
        List<RecordedEvent> events = Runs.largeLog(3_000, 6);
        int stops = checkEveryStop(events, new HtmlReport.Limits(60, 150, 200, 5, 2000, 100));
        // every 30th event, and a cascade's root and closing event for each of the six objects
        assertThat(stops).isBetween(100, 100 + 12);
    }

    /** Applies each stop's deltas and compares with a replay up to its seq; returns the number of stops. */
    private static int checkEveryStop(List<RecordedEvent> events, HtmlReport.Limits limits) throws Exception {
        Page page = new Page(HtmlReport.render("state", events, limits));
        JsonNode data = JSON.readTree(page.all("//script[@id='state-data']").get(0).getTextContent());
        List<String> objects = new ArrayList<>();
        data.get("objects").forEach(o -> objects.add(o.asText()));
        Map<String, JsonNode> vmas = new TreeMap<>();
        Map<String, JsonNode> files = new TreeMap<>();
        Map<Integer, Boolean> revoked = new TreeMap<>();
        int n = 0;
        for (JsonNode stop : data.get("stops")) {
            for (JsonNode op : stop.get(3)) {
                switch (op.get(0).asText()) {
                    case "o" -> revoked.put(op.get(1).asInt(), op.get(2).asInt() == 1);
                    case "v" -> vmas.put(op.get(1).asText(), op);
                    case "p" -> {
                        com.fasterxml.jackson.databind.node.ArrayNode w = ((com.fasterxml.jackson.databind.node.ArrayNode) vmas.get(op.get(1).asText())).deepCopy();
                        w.set(6, op.get(2));
                        w.set(7, op.get(3));
                        vmas.put(op.get(1).asText(), w);
                    }
                    case "x" -> vmas.remove(op.get(1).asText());
                    case "f" -> files.put(op.get(1).asText(), op);
                    default -> throw new AssertionError("unknown op " + op);
                }
            }
            long seq = stop.get(0).asLong();
            ReplayState replay = ReplayState.upTo(events.stream(), seq);
            for (Map.Entry<String, ReplayState.ObjectState> o : replay.objects().entrySet()) {
                int index = objects.indexOf(o.getKey());
                ReplayState.ObjectState want = o.getValue();
                assertThat(revoked.getOrDefault(index, false)).as("revoked %s at #%d", o.getKey(), seq).isEqualTo(want.revoked());
                Map<String, String> got = new TreeMap<>();
                vmas.forEach((id, v) -> {
                    if (v.get(2).asInt() == index) {
                        got.put(id, v.get(3).asInt() + " " + v.get(4).asText() + " " + ranges(v.get(5)) + " " + ranges(v.get(6)));
                    }
                });
                Map<String, String> expected = new TreeMap<>();
                want.vmas().forEach((id, v) -> expected.put(id, v.pid() + " " + v.mapping() + " " + v.mapped() + " " + v.populated()));
                assertThat(got).as("VMAs of %s at #%d", o.getKey(), seq).isEqualTo(expected);
                TreeSet<String> open = new TreeSet<>();
                Map<String, ReleaseCause> releases = new TreeMap<>();
                files.forEach((id, f) -> {
                    if (f.get(2).asInt() == index) {
                        if (f.get(4).asInt() == 1) {
                            open.add(id);
                        }
                        if (!f.get(5).isNull()) {
                            releases.put(id, ReleaseCause.valueOf(f.get(5).asText()));
                        }
                    }
                });
                assertThat(open).as("open files of %s at #%d", o.getKey(), seq).isEqualTo(want.openFiles());
                assertThat(releases).as("releases of %s at #%d", o.getKey(), seq).isEqualTo(want.releases());
            }
            n++;
        }
        return n;
    }

    private static String ranges(JsonNode flat) {
        List<ReplayState.PageRange> out = new ArrayList<>();
        for (int i = 0; i < flat.size(); i += 2) {
            out.add(new ReplayState.PageRange(flat.get(i).asLong(), flat.get(i + 1).asLong()));
        }
        return out.toString();
    }
}
