package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The page drawn from a real run of the simulation, read back as XML. */
class HtmlReportTest {
    private static final String DURATION = "\\d+(\\.\\d+)? (ns|µs|ms|s)";
    private static List<RecordedEvent> events;
    private static Page page;

    @BeforeAll
    static void render() {
        events = Runs.simulatedRun();
        page = new Page(HtmlReport.render("run <1> & \"friends\"", events));
    }

    @Test
    void everyObjectHasOneTimelineAndOneSection() {
        Set<String> objects = events.stream().map(RecordedEvent::object).collect(Collectors.toSet());
        assertThat(objects).contains(Sim.OBJECT, Runs.ODD_OBJECT, Kernel.IOMEM_OBJECT);
        for (String o : objects) {
            assertThat(page.timeline(o)).isNotNull();
            assertThat(page.all("//section").stream().filter(s -> s.getAttribute("data-object").equals(o))).hasSize(1);
        }
        assertThat(page.all("//svg").stream().filter(s -> Page.hasClass(s, "timeline"))).hasSize(objects.size());
    }

    @Test
    void everyEventOutsideARevokeHasAMarkWithItsFieldsInTheTooltip() {
        for (RecordedEvent e : events) {
            if (Set.of("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted").contains(e.type())
                    && !e.object().equals(Kernel.IOMEM_OBJECT)) {
                continue;
            }
            Element svg = page.timeline(e.object());
            List<Element> marks = Page.all(svg, ".//*[@data-seq='" + e.seq() + "']").stream()
                    .filter(m -> Page.hasClass(m, "ev")).toList();
            assertThat(marks).as("mark of %s", e).hasSize(1);
            assertThat(Page.hasClass(marks.get(0), "ev-" + e.type())).isTrue();
            assertThat(Page.title(marks.get(0))).startsWith("#" + e.seq() + " " + e.type()).contains(Text.fields(e.event()));
        }
    }

    @Test
    void theRevokeBandHasItsFourStepsWithTheirDurations() {
        List<RecordedEvent> own = Runs.of(events, Sim.OBJECT);
        List<RecordedEvent> steps = own.stream()
                .filter(e -> Set.of("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted").contains(e.type())).toList();
        assertThat(steps).hasSize(4);
        Element svg = page.timeline(Sim.OBJECT);

        List<Element> bands = Page.withClass(svg, "revoke-band");
        assertThat(bands).hasSize(1);
        assertThat(bands.get(0).getAttribute("data-seq")).isEqualTo(Long.toString(steps.get(0).seq()));
        assertThat(Page.hasClass(bands.get(0), "incomplete")).isFalse();
        assertThat(bands.get(0).getAttribute("data-duration-ns"))
                .isEqualTo(Long.toString(steps.get(3).timeNanos() - steps.get(0).timeNanos()));
        assertThat(Page.title(bands.get(0))).contains("hot-unplug");

        List<Element> stepMarks = Page.withClass(svg, "revoke-step");
        assertThat(stepMarks).extracting(s -> s.getAttribute("data-step"))
                .containsExactly("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
        for (int i = 0; i < 4; i++) {
            assertThat(stepMarks.get(i).getAttribute("data-seq")).isEqualTo(Long.toString(steps.get(i).seq()));
            assertThat(stepMarks.get(i).getAttribute("data-offset-ns"))
                    .isEqualTo(Long.toString(steps.get(i).timeNanos() - steps.get(0).timeNanos()));
        }

        List<Element> segments = Page.withClass(svg, "revoke-segment");
        assertThat(segments).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(segments.get(i).getAttribute("data-from")).isEqualTo(steps.get(i).type());
            assertThat(segments.get(i).getAttribute("data-to")).isEqualTo(steps.get(i + 1).type());
            assertThat(segments.get(i).getAttribute("data-duration-ns"))
                    .isEqualTo(Long.toString(steps.get(i + 1).timeNanos() - steps.get(i).timeNanos()));
        }
        assertThat(Page.withClass(svg, "duration")).extracting(Element::getTextContent)
                .satisfiesExactly(
                        t -> assertThat(t).matches("drain " + DURATION),
                        t -> assertThat(t).matches("zap " + DURATION),
                        t -> assertThat(t).matches("release " + DURATION));
        RevokeEvent.MappingsZapped zap = (RevokeEvent.MappingsZapped) steps.get(2).event();
        assertThat(zap.vmas()).isEqualTo(2); // the parent's VMA and the child's copy
        assertThat(Page.withClass(svg, "revoke-total").get(0).getTextContent()).matches("total " + DURATION + " · waited 0 · 2 VMAs, "
                + zap.ptes() + " PTEs zapped · 1 file\\(s\\) released");
    }

    @Test
    void refusedAccessesAreMarkedOnTheRefusedRow() {
        List<RecordedEvent> refused = Runs.of(events, Sim.OBJECT).stream().filter(e -> e.type().equals("AccessRefused")).toList();
        assertThat(refused).extracting(e -> ((RevokeEvent.AccessRefused) e.event()).op()).contains("read", "fault");
        Element svg = page.timeline(Sim.OBJECT);
        List<Element> row = Page.all(svg, ".//g[@data-row='refused']");
        assertThat(row).hasSize(1);
        List<Element> marks = Page.withClass(row.get(0), "ev-AccessRefused");
        assertThat(marks).extracting(m -> m.getAttribute("data-seq"))
                .containsExactlyElementsOf(refused.stream().map(e -> Long.toString(e.seq())).toList());
        assertThat(marks).extracting(Page::title).anySatisfy(t -> assertThat(t).contains("op=fault result=SIGBUS"));
        assertThat(Page.withClass(svg, "ev-OpenRefused")).hasSize(1);
        assertThat(page.all("//div[@data-stat='refused']").get(0).getAttribute("data-count"))
                .isEqualTo(Long.toString(events.stream().filter(e -> e.type().endsWith("Refused")).count()));
    }

    @Test
    void releasesSayWhetherCloseOrRevokeRanThem() {
        Element svg = page.timeline(Sim.OBJECT);
        List<Element> releases = Page.withClass(svg, "ev-FileReleased");
        assertThat(releases).hasSize(1);
        assertThat(Page.hasClass(releases.get(0), "cause-REVOKE")).isTrue();
        assertThat(Page.withClass(svg, "ev-FileClosed")).hasSize(1);
        assertThat(Page.withClass(svg, "ev-VmaDuplicated")).hasSize(1);
        assertThat(Page.withClass(svg, "ev-Faulted")).hasSize(3);
    }

    @Test
    void textIsEscapedEverywhere() {
        assertThat(page.html).doesNotContain("<odd&", "run <1>");
        assertThat(page.timeline(Runs.ODD_OBJECT).getAttribute("data-object")).isEqualTo(Runs.ODD_OBJECT);
        assertThat(page.all("//section[@class='object']/h2")).extracting(Element::getTextContent).contains(Runs.ODD_OBJECT);
        assertThat(page.all("//head/title").get(0).getTextContent()).isEqualTo("run <1> & \"friends\"");
        assertThat(Text.escape("a\u0001b\uD800c")).isEqualTo("a\\u0001b\\ud800c");
    }

    @Test
    void iomemZapsGetTheirOwnLane() {
        Element svg = page.timeline(Kernel.IOMEM_OBJECT);
        assertThat(Page.hasClass(svg, "lane-iomem")).isTrue();
        assertThat(Page.withClass(svg, "ev-MappingsZapped")).hasSize(1);
        assertThat(Page.withClass(svg, "revoke-band")).isEmpty();
    }

    @Test
    void thePageNeedsNoNetworkAndRunsOnlyItsOwnInlineScript() {
        String withoutNamespaces = page.html.replace("http://www.w3.org/1999/xhtml", "").replace("http://www.w3.org/2000/svg", "");
        assertThat(withoutNamespaces).doesNotContain("http:", "https:", "<link", "src=", "@import");
        assertThat(withoutNamespaces.replace("url(#arrow)", "")).doesNotContain("url(");
        // Two scripts, both inline: the state view's data (JSON, not run) and the code that draws it.
        List<Element> scripts = page.all("//script");
        assertThat(scripts).hasSize(2);
        assertThat(scripts.get(0).getAttribute("type")).isEqualTo("application/json");
        assertThat(scripts.get(1).hasAttribute("type")).isFalse();
        assertThat(page.withClass("legend-item")).hasSizeGreaterThan(10);
    }

    @Test
    void theCountsTableListsEventTypesInSchemaOrder() {
        // The order the records of RevokeEvent are declared in: docs/semantics.md section 7's, then VmaClosed (section 9) in place, MemoryToggled (vfio, docs/events.md) last.
        List<String> schema = List.of("ObjectRegistered", "FileOpened", "OpenRefused", "Mmapped", "MmapRefused", "VmaDuplicated",
                "VmaUnmapped", "VmaClosed", "Faulted", "AccessRefused", "RevokeStarted", "RevokeDrained", "MappingsZapped", "FileReleased",
                "RevokeCompleted", "FileClosed", "MemoryToggled");
        assertThat(Marks.EVENT_TYPES).isEqualTo(schema);
        List<String> rows = page.all("//table[@class='counts']/tbody/tr").stream().map(r -> r.getAttribute("data-type")).toList();
        assertThat(rows).isEqualTo(schema.stream().filter(t -> events.stream().anyMatch(e -> e.type().equals(t))).toList());
    }

    @Test
    void aLogWithoutTimesRunsItsAxisInSeq() {
        List<RecordedEvent> timeless = events.stream().map(e -> new RecordedEvent(e.seq(), 0, e.event())).toList();
        Page p = new Page(HtmlReport.render("timeless", timeless));
        Element svg = p.timeline(Sim.OBJECT);
        assertThat(svg.getAttribute("data-axis")).isEqualTo("seq");
        List<Double> xs = Page.all(svg, ".//circle").stream().filter(c -> Page.hasClass(c, "ev"))
                .map(c -> Double.parseDouble(c.getAttribute("cx"))).toList();
        assertThat(xs).hasSizeGreaterThan(1).isSorted().doesNotHaveDuplicates();
        assertThat(Page.withClass(svg, "revoke-segment")).hasSize(3)
                .allSatisfy(s -> assertThat(s.hasAttribute("data-duration-ns")).isFalse());
        assertThat(Page.withClass(svg, "duration")).extracting(Element::getTextContent).allMatch(t -> t.endsWith("(no times)"));
    }

    @Test
    void aRevokeCutShortByTheEndOfTheLogIsDrawnIncomplete() {
        List<RecordedEvent> own = Runs.of(events, Sim.OBJECT);
        int drained = own.indexOf(own.stream().filter(e -> e.type().equals("RevokeDrained")).findFirst().orElseThrow());
        Page p = new Page(HtmlReport.render("cut", own.subList(0, drained + 1)));
        Element svg = p.timeline(Sim.OBJECT);
        assertThat(Page.withClass(svg, "revoke-band")).singleElement().satisfies(b -> assertThat(Page.hasClass(b, "incomplete")).isTrue());
        assertThat(Page.withClass(svg, "revoke-step")).extracting(s -> s.getAttribute("data-step"))
                .containsExactly("RevokeStarted", "RevokeDrained");
        assertThat(Page.withClass(svg, "revoke-missing")).hasSize(1);
    }

    @Test
    void anEmptyLogSaysSo() {
        Page p = new Page(HtmlReport.render("empty", List.of()));
        assertThat(p.withClass("empty")).hasSize(1);
        assertThat(p.all("//svg")).isEmpty();
        assertThat(p.all("//div[@data-stat='events']").get(0).getAttribute("data-count")).isEqualTo("0");
    }
}
