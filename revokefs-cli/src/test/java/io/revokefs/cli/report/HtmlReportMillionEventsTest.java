package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The figures of docs/report.md's "Large logs": a 1,000,000-event log (one object, and 1,000
 * objects) rendered to a page, then opened in headless Chromium. The test prints how long each took
 * and asserts only what the page holds, not the times (the machine's load is not the code's).
 *
 * <p>A benchmark, not part of the default test run (it builds two million events): run it with
 * {@code mvn -B -ntp -pl revokefs-cli -am verify -Dtest=HtmlReportMillionEventsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Drevokefs.report.millionEvents=true}; the figures are in
 * target/surefire-reports/io.revokefs.cli.report.HtmlReportMillionEventsTest-output.txt.
 */
@EnabledIfSystemProperty(named = "revokefs.report.millionEvents", matches = "true")
class HtmlReportMillionEventsTest {
    private static final int EVENTS = 1_000_000;

    @Test
    void aMillionEventsOfOneObject() throws Exception {
        measure("1 object", Runs.largeLog(EVENTS, 1));
    }

    @Test
    void aMillionEventsOfAThousandObjects() throws Exception {
        measure("1000 objects", Runs.largeLog(EVENTS, 1_000));
    }

    private static void measure(String name, List<RecordedEvent> events) throws Exception {
        assertThat(events).hasSize(EVENTS);
        HtmlReport.render("warm-up", events.subList(0, 100_000));
        long start = System.nanoTime();
        String html = HtmlReport.render("a million events: " + name, events);
        double renderS = (System.nanoTime() - start) / 1e9;
        int bytes = html.getBytes(StandardCharsets.UTF_8).length;
        Path file = Path.of("target", "report-million-" + name.replace(' ', '-') + ".html").toAbsolutePath();
        Files.writeString(file, html, StandardCharsets.UTF_8);
        assertThat(html).contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"run-timeline\"");
        assertThat(bytes).isLessThan(8 * 1024 * 1024);

        String figures = String.format(Locale.ROOT, "report of 1,000,000 events, %s: render %.2f s, page %.1f MB", name, renderS,
                bytes / 1048576.0);
        if (Chromium.available()) {
            // The same run on an empty page: Chromium's own start and exit, to tell apart from the page's cost.
            Path empty = Path.of("target", "empty.html").toAbsolutePath();
            Files.writeString(empty, "<!DOCTYPE html><html><body></body></html>", StandardCharsets.UTF_8);
            long base = System.nanoTime();
            Chromium.run("--dump-dom", empty.toUri().toString());
            double baseS = (System.nanoTime() - base) / 1e9;
            long open = System.nanoTime();
            String dom = Chromium.run("--dump-dom", file.toUri() + "#seq=" + (EVENTS / 2));
            double openS = (System.nanoTime() - open) / 1e9;
            Matcher ready = Pattern.compile("data-state-ready-ms=\"(\\d+)\"").matcher(dom);
            assertThat(ready.find()).as("the state view was drawn").isTrue();
            Matcher loaded = Pattern.compile("data-loaded-ms=\"(\\d+)\"").matcher(dom);
            assertThat(loaded.find()).as("the page's load event").isTrue();
            assertThat(dom).contains("state after #");
            figures += String.format(Locale.ROOT, "; headless Chromium: state view drawn %s ms and load event %s ms after"
                    + " navigation, whole --dump-dom run (browser start to exit) %.2f s (%.2f s for an empty page)", ready.group(1),
                    loaded.group(1), openS, baseS);
        }
        System.out.println(figures);
    }
}
