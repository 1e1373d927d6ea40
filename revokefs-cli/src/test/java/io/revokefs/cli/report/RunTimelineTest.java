package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Kernel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The run-wide timeline and the marks of the report of examples/pci-three-views.scenario, read back as XML. */
class RunTimelineTest {
    private static final Set<String> REVOKE_STEPS = Set.of("RevokeStarted", "RevokeDrained", "MappingsZapped", "RevokeCompleted");
    private static final String PROCFS = "procfs:/proc/bus/pci/00/02.0";
    private static final String RESOURCE0 = "sysfs:/devices/pci0000:00/0000:00:02.0/resource0";
    private static final String DEVMEM = "devmem:/dev/mem";
    private static List<RecordedEvent> events;
    private static Page page;
    private static Element run;

    @BeforeAll
    static void render() {
        events = Runs.scenario(Runs.PCI_THREE_VIEWS);
        page = new Page(HtmlReport.render("pci-three-views", events));
        run = page.all("//svg").get(0);
    }

    @Test
    void theRunTimelineIsThePagesFirstDrawingWithOneLanePerObject() {
        assertThat(run.getAttribute("id")).isEqualTo("run-timeline");
        Set<String> objects = events.stream().map(RecordedEvent::object).collect(Collectors.toCollection(LinkedHashSet::new));
        assertThat(objects).hasSize(7).contains(Kernel.IOMEM_OBJECT, DEVMEM, PROCFS, RESOURCE0);
        List<String> lanes = Page.all(run, ".//g[@class='lane']").stream().map(l -> l.getAttribute("data-object")).toList();
        assertThat(lanes).hasSameSizeAs(objects).containsExactlyInAnyOrderElementsOf(objects);
    }

    @Test
    void lanesAreGroupedByDevice() {
        assertThat(lanesOf("physical memory")).containsExactlyInAnyOrder(DEVMEM, Kernel.IOMEM_OBJECT);
        assertThat(lanesOf("PCI 0000:00:02.0")).hasSize(5).contains(PROCFS, RESOURCE0)
                .allMatch(o -> o.equals(PROCFS) || o.startsWith("sysfs:/devices/pci0000:00/0000:00:02.0/"));
    }

    @Test
    void theRemoveIsLinkedToEveryRevokeAndBareZapItCaused() {
        RecordedEvent remove = events.stream().filter(e -> e.event() instanceof RevokeEvent.RevokeStarted s && s.cause().equals("remove"))
                .findFirst().orElseThrow();
        // The cascade, worked out here from the log: the revoke steps that follow the remove without a break.
        List<RecordedEvent> caused = new ArrayList<>();
        for (RecordedEvent e : events.subList(events.indexOf(remove) + 1, events.size())) {
            boolean step = REVOKE_STEPS.contains(e.type())
                    || e.event() instanceof RevokeEvent.FileReleased r && r.cause() == ReleaseCause.REVOKE;
            if (!step) {
                break;
            }
            if (e.type().equals("RevokeStarted") || e.object().equals(Kernel.IOMEM_OBJECT)) {
                caused.add(e);
            }
        }
        assertThat(caused).extracting(RecordedEvent::type).containsOnly("RevokeStarted", "MappingsZapped")
                .filteredOn("RevokeStarted"::equals).hasSize(4);

        List<Element> cascades = Page.all(run, ".//g[@class='cascade'][@data-root-seq='" + remove.seq() + "']");
        assertThat(cascades).singleElement().satisfies(c -> assertThat(c.getAttribute("data-cause")).isEqualTo("remove"));
        List<Element> links = Page.all(cascades.get(0), ".//path[@class='cause-link']");
        assertThat(links).extracting(l -> l.getAttribute("data-to-seq"))
                .containsExactlyElementsOf(caused.stream().map(e -> Long.toString(e.seq())).toList());
        for (int i = 0; i < links.size(); i++) {
            assertThat(links.get(i).getAttribute("data-object")).isEqualTo(caused.get(i).object());
            assertThat(links.get(i).getAttribute("data-from-seq")).isEqualTo(Long.toString(remove.seq()));
        }
    }

    @Test
    void procfssZapIsLinkedToTheVmasOfResource0AndDevMemWhosePtesItRemoved() {
        RecordedEvent zap = events.stream().filter(e -> e.object().equals(PROCFS) && e.event() instanceof RevokeEvent.MappingsZapped z
                && z.ptes() > 0).findFirst().orElseThrow();
        long ownPtes = events.stream().filter(e -> e.object().equals(PROCFS) && e.type().equals("Faulted")).count();
        List<Element> links = Page.all(run, ".//path[@class='zap-link'][@data-zap-seq='" + zap.seq() + "']");
        assertThat(links).extracting(l -> l.getAttribute("data-vma")).containsExactlyInAnyOrder(vmaOf(RESOURCE0), vmaOf(DEVMEM));
        assertThat(links).extracting(l -> l.getAttribute("data-object")).containsExactlyInAnyOrder(RESOURCE0, DEVMEM);
        assertThat(links.stream().mapToLong(l -> Long.parseLong(l.getAttribute("data-ptes"))).sum())
                .isEqualTo(((RevokeEvent.MappingsZapped) zap.event()).ptes() - ownPtes);
        // resource0's own zap, later, finds no PTE left: its strip says which zap had removed them.
        assertThat(Page.withClass(page.timeline(RESOURCE0), "revoke-total")).singleElement()
                .satisfies(t -> assertThat(t.getTextContent()).contains("0 PTEs zapped (the zap at #" + zap.seq() + " had removed them)"));
    }

    @Test
    void eagerPopulationIsDrawnAsPopulationNotAsFaults() {
        List<RecordedEvent> populated = events.stream().filter(e -> e.object().equals(PROCFS)
                && e.event() instanceof RevokeEvent.Faulted f && RevokeEvent.Faulted.POPULATE.equals(f.by())).toList();
        assertThat(populated).hasSize(4);
        Element svg = page.timeline(PROCFS);
        assertThat(Page.withClass(svg, "ev-Faulted")).isEmpty();
        assertThat(Page.withClass(svg, "ev-Populated")).extracting(m -> m.getAttribute("data-seq"))
                .containsExactlyElementsOf(populated.stream().map(e -> Long.toString(e.seq())).toList());
        assertThat(Page.title(Page.withClass(svg, "ev-Populated").get(0))).contains("eager population");
    }

    @Test
    void refusalsTheScenarioExpectedAreCountedApartAndNotRed() {
        long refusals = events.stream().filter(e -> e.type().endsWith("Refused")).count();
        assertThat(refusals).isEqualTo(5);
        Element expected = stat("refused-as-expected");
        Element unexpected = stat("refused-unexpectedly");
        assertThat(expected.getAttribute("data-count")).isEqualTo(Long.toString(refusals));
        assertThat(unexpected.getAttribute("data-count")).isEqualTo("0");
        assertThat(Page.hasClass(expected, "bad") || Page.hasClass(unexpected, "bad")).isFalse();
        assertThat(page.withClass("ev-AccessRefused")).filteredOn(m -> m.hasAttribute("data-seq")).hasSize((int) refusals)
                .allMatch(m -> Page.hasClass(m, "expected"));
    }

    @Test
    void aRefusalTheLineDidNotExpectMakesItsTileRed() {
        List<RecordedEvent> withSurprise = new ArrayList<>(events);
        withSurprise.add(new RecordedEvent(events.size() + 1L, 0,
                new RevokeEvent.AccessRefused(PROCFS, "read", "EIO", "file-2", null, null, "ok")));
        Page p = new Page(HtmlReport.render("surprise", withSurprise));
        Element unexpected = Page.all(p.all("//body").get(0), ".//div[@data-stat='refused-unexpectedly']").get(0);
        assertThat(unexpected.getAttribute("data-count")).isEqualTo("1");
        assertThat(Page.hasClass(unexpected, "bad")).isTrue();
        assertThat(p.withClass("unexpected")).filteredOn(m -> m.hasAttribute("data-seq"))
                .extracting(m -> m.getAttribute("data-seq")).containsOnly(Long.toString(events.size() + 1L));
    }

    @Test
    void theSigbusDevMemsOwnCheckGaveIsRecordedAndDrawn() {
        List<RecordedEvent> byDriver = events.stream().filter(e -> e.event() instanceof RevokeEvent.AccessRefused a
                && RevokeEvent.AccessRefused.DRIVER.equals(a.by())).toList();
        assertThat(byDriver).singleElement().satisfies(e -> {
            assertThat(e.object()).isEqualTo(DEVMEM);
            assertThat(((RevokeEvent.AccessRefused) e.event()).result()).isEqualTo("SIGBUS");
        });
        String seq = Long.toString(byDriver.get(0).seq());
        assertThat(Page.withClass(page.timeline(DEVMEM), "by-driver")).extracting(m -> m.getAttribute("data-seq")).containsExactly(seq);
        Element lane = Page.all(run, ".//g[@class='lane'][@data-object='" + DEVMEM + "']").get(0);
        assertThat(Page.withClass(lane, "by-driver")).extracting(m -> m.getAttribute("data-seq")).containsExactly(seq);
    }

    private static String vmaOf(String object) {
        return events.stream().filter(e -> e.object().equals(object) && e.event() instanceof RevokeEvent.Mmapped)
                .map(e -> ((RevokeEvent.Mmapped) e.event()).vma()).findFirst().orElseThrow();
    }

    private static List<String> lanesOf(String device) {
        return Page.all(run, ".//g[@class='device'][@data-device='" + device + "']/g[@class='lane']").stream()
                .map(l -> l.getAttribute("data-object")).toList();
    }

    private static Element stat(String name) {
        return page.all("//div[@data-stat='" + name + "']").get(0);
    }
}
