package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A large log renders to a bounded page in bounded time: marks become histograms, tables keep head and tail. */
class HtmlReportLargeLogTest {
    private static final int EVENTS = 100_000;
    private static final int MAX_BYTES = 4 * 1024 * 1024;

    @Test
    void hundredThousandEventsOfOneObjectRenderAsHistogramsInAFewHundredKilobytes() {
        List<RecordedEvent> events = Runs.largeLog(EVENTS, 1);
        assertThat(events).hasSize(EVENTS);
        String object = events.get(0).object();

        long start = System.nanoTime();
        String html = HtmlReport.render("large", events);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(html.getBytes(StandardCharsets.UTF_8).length).isLessThan(512 * 1024);
        Page page = new Page(html);
        Element svg = page.timeline(object);
        int cap = HtmlReport.Limits.DEFAULT.marksPerRow();
        for (Element row : Page.all(svg, ".//g[@data-row]")) {
            assertThat(Page.withClass(row, "ev")).as("marks of row %s", row.getAttribute("data-row")).hasSizeLessThanOrEqualTo(cap);
        }
        long faults = events.stream().filter(e -> e.type().equals("Faulted")).count();
        List<Element> bars = Page.withClass(svg, "hist-Faulted");
        assertThat(bars).isNotEmpty();
        assertThat(bars.stream().mapToLong(b -> Long.parseLong(b.getAttribute("data-count"))).sum()).isEqualTo(faults);
        assertThat(Page.withClass(svg, "ev-Faulted")).isEmpty();
        // Rare events keep their marks, and the revoke its band and steps.
        assertThat(Page.withClass(svg, "ev-AccessRefused")).hasSize(
                (int) events.stream().filter(e -> e.type().equals("AccessRefused")).count());
        assertThat(Page.withClass(svg, "revoke-band")).hasSize(1);
        assertThat(Page.withClass(svg, "revoke-step")).hasSize(4);
        assertThat(page.all("//table[@class='events']/tbody/tr")).hasSize(HtmlReport.Limits.DEFAULT.tableRows() + 1);
        assertThat(page.all("//table[@class='events']/tbody/tr[@class='omitted']")).singleElement()
                .satisfies(r -> assertThat(r.getTextContent()).contains((EVENTS - HtmlReport.Limits.DEFAULT.tableRows()) + " events"));
    }

    @Test
    void hundredThousandEventsOverThousandsOfObjectsDrawTheFirstObjectsAndIndexTheRest() {
        int objects = 5_000;
        List<RecordedEvent> events = Runs.largeLog(EVENTS, objects);

        long start = System.nanoTime();
        String html = HtmlReport.render("many objects", events);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(html.getBytes(StandardCharsets.UTF_8).length).isLessThan(MAX_BYTES);
        Page page = new Page(html);
        HtmlReport.Limits limits = HtmlReport.Limits.DEFAULT;
        assertThat(page.all("//svg").stream().filter(s -> Page.hasClass(s, "timeline"))).hasSize(limits.objects());
        assertThat(page.all("//table[@class='index']/tbody/tr")).hasSize(limits.indexRows() + 1);
        assertThat(page.all("//div[@data-stat='objects']").get(0).getAttribute("data-count")).isEqualTo(Integer.toString(objects));
    }

    @Test
    void smallLimitsCapEveryPart() {
        List<RecordedEvent> events = Runs.largeLog(2_000, 4);
        HtmlReport.Limits limits = new HtmlReport.Limits(2, 10, 20, 0, 3);
        Page page = new Page(HtmlReport.render("capped", events, limits));
        assertThat(page.all("//svg").stream().filter(s -> Page.hasClass(s, "timeline"))).hasSize(2);
        for (Element row : Page.all(page.all("//svg[@data-object]").get(0), ".//g[@data-row]")) {
            assertThat(Page.withClass(row, "ev")).hasSizeLessThanOrEqualTo(10);
        }
        assertThat(page.withClass("revoke-detail")).isEmpty();
        assertThat(page.withClass("revoke-band")).hasSize(2);
        assertThat(page.all("//table[@class='index']/tbody/tr")).hasSize(4);
        assertThat(page.all("//details/table[@class='events']/tbody")).allSatisfy(
                b -> assertThat(Page.all(b, "./tr")).hasSize(21));
    }
}
