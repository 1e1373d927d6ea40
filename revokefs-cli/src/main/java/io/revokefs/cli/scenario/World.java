package io.revokefs.cli.scenario;

import io.revokefs.core.Result;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.devmem.DevMem;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.Sysfs;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulated machine a scenario runs on: a kernel recording into the run's recorder, with
 * {@code /dev/mem}, a PCI bus under sysfs, {@code /proc/bus/pci}, procfs and uio, and the global
 * verbs of the scenario language that act on them (devices, claims, removals, interrupts).
 */
public final class World {
    private final Kernel kernel;
    private final DevMem devMem;
    private final PciBus pci;

    public World(EventRecorder recorder) {
        this.kernel = new Kernel(recorder);
        this.devMem = DevMem.register(kernel);
        this.pci = new PciBus(new Sysfs(kernel));
    }

    public Kernel kernel() {
        return kernel;
    }

    /** Runs a global verb; returns its outcome. */
    String global(Step s) {
        String a0 = s.args().get(0);
        return switch (s.verb()) {
            case "pci" -> addPci(s, a0);
            case "mknod" -> mknod(s);
            case "remove" -> outcome(pci.remove(a0));
            case "claim" -> outcome(pci.claim(a0, barIndex(s, s.args().get(1))));
            default -> throw ScenarioRunner.malformed(s, "'" + s.verb() + "' is not available in this build");
        };
    }

    private String addPci(Step s, String bdf) {
        if (!bdf.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            throw ScenarioRunner.malformed(s, "'" + bdf + "' is not a PCI address like 0000:00:02.0");
        }
        if (pci.device(bdf).isPresent()) {
            throw ScenarioRunner.malformed(s, "PCI device " + bdf + " already exists");
        }
        List<PciBus.Bar> bars = new ArrayList<>();
        for (var e : s.options().entrySet()) {
            int index = barIndex(s, e.getKey());
            String spec = e.getValue();
            int at = spec.indexOf('@');
            long pages = parse(s, e.getKey(), at < 0 ? spec : spec.substring(0, at));
            if (pages <= 0) {
                throw ScenarioRunner.malformed(s, e.getKey() + " must have at least one page");
            }
            bars.add(at < 0 ? PciBus.Bar.of(index, pages) : PciBus.Bar.at(index, pages, parse(s, e.getKey(), spec.substring(at + 1))));
        }
        if (bars.isEmpty()) {
            throw ScenarioRunner.malformed(s, "a PCI device needs at least one BAR (bar0=PAGES[@FIRST_PAGE])");
        }
        try {
            pci.addDevice(bdf, bars.toArray(PciBus.Bar[]::new));
        } catch (IllegalArgumentException e) {
            throw ScenarioRunner.malformed(s, e.getMessage());
        }
        return "ok";
    }

    private String mknod(Step s) {
        // mknod PATH c 1 1: another inode for the memory device (major 1, minor 1 is /dev/mem).
        List<String> a = s.args();
        if (!a.get(1).equals("c") || !a.get(2).equals("1") || !a.get(3).equals("1")) {
            throw ScenarioRunner.malformed(s, "only the /dev/mem device can be made: mknod PATH c 1 1");
        }
        if (kernel.lookup(a.get(0)).isOk()) {
            return "EEXIST";
        }
        devMem.mknod(a.get(0));
        return "ok";
    }

    private static int barIndex(Step s, String name) {
        if (!name.matches("bar[0-5]")) {
            throw ScenarioRunner.malformed(s, "'" + name + "' is not a BAR (bar0 to bar5)");
        }
        return name.charAt(3) - '0';
    }

    private static long parse(Step s, String what, String v) {
        try {
            return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ScenarioRunner.malformed(s, what + ": '" + v + "' is not a number");
        }
    }

    private static String outcome(Result<?> r) {
        return r.isOk() ? "ok" : r.errnoOrNull().name();
    }

    /** Ends the run: nothing to release yet; blocked async operations are daemon threads. */
    public void shutdown() {
    }
}
