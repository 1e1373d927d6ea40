package io.revokefs.cli.scenario;

import io.revokefs.core.kernel.Pci;
import io.revokefs.core.Result;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.devmem.DevMem;
import io.revokefs.procfs.ProcBusPci;
import io.revokefs.procfs.ProcFs;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.PciDevice;
import io.revokefs.sysfs.Sysfs;
import io.revokefs.uio.Uio;
import io.revokefs.uio.UioDevice;
import io.revokefs.uio.UioInfo;
import io.revokefs.uio.UioMem;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simulated machine a scenario runs on: a kernel recording into the run's recorder, with
 * {@code /dev/mem}, a PCI bus under sysfs, {@code /proc/bus/pci}, procfs and uio, and the global
 * verbs of the scenario language that act on them (devices, claims, removals, interrupts).
 */
public final class World {
    private final Kernel kernel;
    private final DevMem devMem;
    private final PciBus pci;
    private final ProcFs procfs;
    private final ProcBusPci procBusPci;
    private final Uio uio;
    private final Map<String, UioDevice> uioDevices = new HashMap<>();

    public World(EventRecorder recorder) {
        this.kernel = new Kernel(recorder);
        this.devMem = DevMem.register(kernel);
        this.pci = new PciBus(new Sysfs(kernel));
        this.procfs = new ProcFs(kernel);
        this.procBusPci = new ProcBusPci(procfs);
        this.uio = new Uio(kernel);
        // The same functions appear in /proc/bus/pci, mapping the same BARs (physical offsets);
        // removal through sysfs (remove attribute or hot-unplug) detaches them there too.
        this.pci.addListener(new PciBus.Listener() {
            @Override
            public void added(PciDevice dev) {
                procBusPci.attachDevice(new ProcBusPci.PciFunction(dev.bdf(), dev.bars()));
            }

            @Override
            public void removed(PciDevice dev) {
                procBusPci.detachDevice(dev.bdf());
            }
        });
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
            case "remove" -> removePci(a0);
            case "claim" -> outcome(pci.claim(a0, barIndex(s, s.args().get(1))));
            case "uio" -> registerUio(s, a0);
            case "unregister" -> {
                UioDevice d = uioDevice(s, a0);
                d.unregister();
                yield "ok";
            }
            case "interrupt" -> uioDevice(s, a0).interrupt() ? "ok" : "ENODEV";
            case "proc" -> createProcEntry(s, a0);
            case "remove_proc_entry" -> procfs.removeProcEntry(a0) ? "ok" : "ENOENT";
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
        List<Pci.Bar> bars = new ArrayList<>();
        for (var e : s.options().entrySet()) {
            int index = barIndex(s, e.getKey());
            String spec = e.getValue();
            int at = spec.indexOf('@');
            long pages = parse(s, e.getKey(), at < 0 ? spec : spec.substring(0, at));
            if (pages <= 0) {
                throw ScenarioRunner.malformed(s, e.getKey() + " must have at least one page");
            }
            bars.add(at < 0 ? Pci.Bar.of(index, pages) : Pci.Bar.at(index, pages, parse(s, e.getKey(), spec.substring(at + 1))));
        }
        if (bars.isEmpty()) {
            throw ScenarioRunner.malformed(s, "a PCI device needs at least one BAR (bar0=PAGES[@FIRST_PAGE])");
        }
        try {
            pci.addDevice(bdf, bars.toArray(Pci.Bar[]::new));
        } catch (IllegalArgumentException e) {
            throw ScenarioRunner.malformed(s, e.getMessage());
        }
        return "ok";
    }

    /** Hot-unplug: the sysfs files and the /proc/bus/pci file go, each revoked. */
    private String removePci(String bdf) {
        return outcome(pci.remove(bdf));
    }

    private String registerUio(Step s, String name) {
        if (!name.matches("uio[0-9]+")) {
            throw ScenarioRunner.malformed(s, "a uio device is named uioN, got '" + name + "'");
        }
        UioDevice existing = uioDevices.get(name);
        if (existing != null && !existing.object().isRevoked()) {
            throw ScenarioRunner.malformed(s, name + " already exists");
        }
        String maps = s.options().get("maps");
        if (maps == null) {
            throw ScenarioRunner.malformed(s, "a uio device needs maps=PAGES[,PAGES...]");
        }
        Set<Integer> logical = new HashSet<>();
        String logicalList = s.options().get("logical");
        if (logicalList != null) {
            for (String i : logicalList.split(",")) {
                logical.add((int) parse(s, "logical", i));
            }
        }
        List<UioMem> mem = new ArrayList<>();
        String[] sizes = maps.split(",");
        for (int i = 0; i < sizes.length; i++) {
            long pages = parse(s, "maps", sizes[i]);
            if (pages <= 0) {
                throw ScenarioRunner.malformed(s, "map " + i + " must have at least one page");
            }
            mem.add(new UioMem("map" + i, logical.contains(i) ? UioMem.Type.LOGICAL : UioMem.Type.PHYS, pages));
        }
        for (int i : logical) {
            if (i < 0 || i >= sizes.length) {
                throw ScenarioRunner.malformed(s, "logical=" + i + ": there is no map " + i);
            }
        }
        UioDevice dev;
        try {
            dev = uio.register(new UioInfo(name, mem, true, irqOn -> Result.ok()));
        } catch (IllegalArgumentException e) {
            throw ScenarioRunner.malformed(s, e.getMessage());
        }
        if (!dev.path().equals("/dev/" + name)) {
            dev.unregister();
            throw ScenarioRunner.malformed(s, "uio devices are numbered in order: this one would be " + dev.path());
        }
        uioDevices.put(name, dev);
        return "ok";
    }

    private UioDevice uioDevice(Step s, String name) {
        UioDevice d = uioDevices.get(name);
        if (d == null) {
            throw ScenarioRunner.malformed(s, "no uio device named '" + name + "'");
        }
        return d;
    }

    /** {@code proc PATH}: a proc entry whose read shows its name and whose write is accepted. */
    private String createProcEntry(Step s, String path) {
        if (!path.startsWith(ProcFs.ROOT + "/") || path.endsWith("/")) {
            throw ScenarioRunner.malformed(s, "a proc entry is a path under /proc/, got '" + path + "'");
        }
        String dir = ProcFs.ROOT;
        String[] parts = path.substring(ProcFs.ROOT.length() + 1).split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            dir = dir + "/" + parts[i];
            if (!procfs.isDirectory(dir)) {
                try {
                    procfs.procMkdir(dir);
                } catch (IllegalArgumentException e) {
                    throw ScenarioRunner.malformed(s, e.getMessage());
                }
            }
        }
        byte[] text = (path + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            procfs.procCreate(path, 0644, new FileOperations() {
                @Override
                public Result<byte[]> read(OpenFile file, int count) {
                    return Result.ok(text);
                }

                @Override
                public Result<Integer> write(OpenFile file, byte[] data) {
                    return Result.ok(data.length);
                }
            }, null);
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
