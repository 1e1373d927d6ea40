package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opens the report of a real run in headless Chromium (Debian's {@code chromium} package): the DOM
 * after rendering holds the timeline's SVG elements, and a screenshot (target/report.png) shows a
 * drawing. Under CI ({@code CI=true}) a missing Chromium fails the test, unless scripts/test.sh tried
 * to install it and could not (it then sets {@code REVOKEFS_CHROMIUM_UNAVAILABLE} to the reason, and
 * the test skips with it); elsewhere it skips.
 */
class HtmlReportBrowserTest {
    private static final Path TARGET = Path.of("target");
    private static final Set<String> REVOKE_STEPS = Set.of("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
    private static Path report;
    private static Path pciReport;
    private static List<RecordedEvent> pciEvents;

    @BeforeAll
    static void writeReport() throws IOException {
        List<RecordedEvent> events = Runs.simulatedRun();
        Files.createDirectories(TARGET);
        report = TARGET.resolve("report.html").toAbsolutePath();
        Files.writeString(report, HtmlReport.render("revokefs report: simulated run", events), StandardCharsets.UTF_8);
        pciEvents = Runs.scenario(Runs.PCI_THREE_VIEWS);
        pciReport = TARGET.resolve("report-pci-three-views.html").toAbsolutePath();
        Files.writeString(pciReport, HtmlReport.render("revokefs run: examples/pci-three-views.scenario", pciEvents),
                StandardCharsets.UTF_8);
    }

    /** The first event after the cascade of the remove: the state just after the remove. */
    private static RecordedEvent afterTheRemove() {
        int remove = -1;
        for (int i = 0; i < pciEvents.size(); i++) {
            if (pciEvents.get(i).event() instanceof RevokeEvent.RevokeStarted s && s.cause().equals("remove")) {
                remove = i;
                break;
            }
        }
        assertThat(remove).as("the remove's RevokeStarted").isNotNegative();
        for (RecordedEvent e : pciEvents.subList(remove, pciEvents.size())) {
            boolean step = REVOKE_STEPS.contains(e.type())
                    || e.event() instanceof RevokeEvent.FileReleased r && r.cause() == ReleaseCause.REVOKE;
            if (!step) {
                return e;
            }
        }
        throw new AssertionError("the log ends inside the remove's cascade");
    }

    @Test
    void chromiumShowsTheRunTimelineWithItsCauseLinksAndTheSigbusReadyVmasAfterTheRemove() throws Exception {
        RecordedEvent after = afterTheRemove();
        String dom = chromium("--dump-dom", pciReport.toUri() + "#seq=" + after.seq());

        // The page's first drawing is the run timeline, one lane per object.
        Matcher firstSvg = Pattern.compile("<svg[^>]*>").matcher(dom);
        assertThat(firstSvg.find()).isTrue();
        assertThat(firstSvg.group()).contains("id=\"run-timeline\"");
        Set<String> objects = new java.util.TreeSet<>();
        pciEvents.forEach(e -> objects.add(e.object()));
        assertThat(new java.util.TreeSet<>(groups(dom, "<g class=\"lane\" data-object=\"([^\"]+)\">"))).isEqualTo(objects);
        assertThat(count(dom, "<g class=\"lane\" ")).isEqualTo(objects.size());
        // The remove is linked to the four revokes and the two iomem zaps it caused; procfs's zap to two other objects' VMAs.
        assertThat(count(dom, "class=\"cause-link\" data-from-seq=\"[0-9]+\"")).isGreaterThanOrEqualTo(6);
        assertThat(count(dom, "class=\"zap-link\"")).isEqualTo(2);

        // The state view, moved to the event after the remove, lists the VMAs left without PTEs.
        assertThat(dom).contains("state after #" + after.seq() + " " + after.type());
        Set<String> vmas = new java.util.TreeSet<>();
        pciEvents.stream().filter(e -> e.event() instanceof RevokeEvent.Mmapped).forEach(e -> vmas.add(((RevokeEvent.Mmapped) e.event()).vma()));
        assertThat(vmas).hasSize(3);
        List<String> ready = groups(dom, "<tr class=\"vma sigbus-ready no-ptes\" data-vma=\"([^\"]+)\"[^>]*data-ptes=\"0\"");
        assertThat(new java.util.TreeSet<>(ready)).isEqualTo(vmas);
        assertThat(dom).contains("data-state-ready-ms=");

        // Before the remove the same VMAs still had PTEs: the view moved.
        String before = chromium("--dump-dom", pciReport.toUri() + "#seq=" + (after.seq() - 30));
        assertThat(count(before, "<tr class=\"vma sigbus-ready")).isZero();
    }

    @Test
    void theScreenshotOfThePciThreeViewsReportShowsTheRunTimeline() throws Exception {
        Path png = TARGET.resolve("report-pci-three-views.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium("--screenshot=" + png, "--window-size=1400,1150", "--hide-scrollbars",
                pciReport.toUri() + "#seq=" + afterTheRemove().seq());

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1400);
        int bands = 0;
        int links = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                if (rgb == 0xFFCCBC) { // .lane-band: a revoke in its lane
                    bands++;
                } else if (rgb == 0x1565C0) { // .cause-root, .cause-link, device labels
                    links++;
                }
            }
        }
        assertThat(bands).as("pixels of revoke bands").isGreaterThan(1000);
        assertThat(links).as("pixels of cause marks").isGreaterThan(200);
    }

    private static List<String> groups(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void chromiumRendersTheTimelinesSvg() throws Exception {
        String dom = chromium("--dump-dom", report.toUri().toString());

        assertThat(count(dom, "<svg[^>]*class=\"timeline[ \"]")).isEqualTo(3);
        assertThat(dom).contains("data-object=\"" + Sim.OBJECT + "\"");
        assertThat(count(dom, "class=\"revoke-band\"")).isEqualTo(2);
        assertThat(stepsInOrder(dom)).containsSubsequence("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
        assertThat(count(dom, "class=\"revoke-step\"")).isEqualTo(8);
        assertThat(count(dom, "class=\"ev ev-AccessRefused\"")).isGreaterThanOrEqualTo(3);
        assertThat(count(dom, "class=\"ev ev-Faulted\"")).isGreaterThanOrEqualTo(4);
        assertThat(dom).contains("class=\"ev ev-FileReleased cause-REVOKE\"");
        assertThat(count(dom, "<text class=\"duration\"[^>]*>(drain|zap|release) [0-9.]+ (ns|µs|ms|s)</text>")).isEqualTo(6);
    }

    @Test
    void theScreenshotShowsADrawing() throws Exception {
        Path png = TARGET.resolve("report.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium("--screenshot=" + png, "--window-size=1400,2600", "--hide-scrollbars", report.toUri().toString());

        assertThat(png).exists();
        assertThat(Files.size(png)).isGreaterThan(10 * 1024);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1400);
        Set<Integer> colours = new HashSet<>();
        int drainPixels = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (rgb == 0xFFCC80) { // .seg-RevokeStarted: the drain segment of a revoke strip
                    drainPixels++;
                }
            }
        }
        assertThat(colours).as("distinct colours").hasSizeGreaterThan(50);
        assertThat(drainPixels).as("pixels of a revoke's drain segment").isGreaterThan(1000);
    }

    private static List<String> stepsInOrder(String dom) {
        Matcher m = Pattern.compile("class=\"revoke-step\" data-step=\"(\\w+)\"").matcher(dom);
        List<String> steps = new ArrayList<>();
        while (m.find()) {
            steps.add(m.group(1));
        }
        return steps;
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String chromium(String... args) throws Exception {
        Chromium.require();
        return Chromium.run(args);
    }
}
