package io.revokefs.sysfs;

import io.revokefs.kernel.Result;
import io.revokefs.kernel.Pci;
import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.GlobalVerb;
import io.revokefs.scenario.Numbers;
import io.revokefs.scenario.PciFunctions;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Scope;
import io.revokefs.scenario.Step;
import io.revokefs.scenario.VerbShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * sysfs in the scenario language: a PCI bus under {@code /sys} ({@link PciBus}, published to the
 * world as itself and as {@link PciFunctions}), and the verbs {@code pci BDF barN=PAGES[@FIRST]},
 * {@code remove BDF} (hot-unplug) and {@code claim BDF barN} (a driver's {@code revoke_iomem}).
 */
public final class SysfsScenarioProvider implements ScenarioProvider {
    /** The scope kind of a {@code pci} line's device. */
    public static final String PCI_DEVICE = "PCI device";

    @Override
    public String name() {
        return "sysfs";
    }

    @Override
    public List<String> paths() {
        return List.of("/sys/bus/pci/devices/BDF/resourceN", "/sys/bus/pci/devices/BDF/remove");
    }

    @Override
    public void install(ScenarioWorld world) {
        PciBus bus = new PciBus(new Sysfs(world.kernel()));
        world.provide(PciBus.class, bus);
        world.provide(PciFunctions.class, listener -> {
            bus.devices().forEach(d -> listener.added(function(d)));
            bus.addListener(new PciBus.Listener() {
                @Override
                public void added(PciDevice device) {
                    listener.added(function(device));
                }

                @Override
                public void removed(PciDevice device) {
                    listener.removed(device.bdf());
                }
            });
        });
    }

    private static PciFunctions.Function function(PciDevice d) {
        return new PciFunctions.Function(d.bdf(), d.bars());
    }

    private static PciBus bus(ScenarioWorld w) {
        return w.service(PciBus.class).orElseThrow();
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(
                GlobalVerb.of("pci", VerbShape.args(1, 1).options("bar0", "bar1", "bar2", "bar3", "bar4", "bar5"), this::preparePci),
                GlobalVerb.of("remove", VerbShape.args(1, 1), (s, scope) -> {
                    String bdf = device(s, scope);
                    return w -> outcome(bus(w).remove(bdf));
                }),
                GlobalVerb.of("claim", VerbShape.args(2, 2), (s, scope) -> {
                    String bdf = device(s, scope);
                    int bar = barIndex(s, s.args().get(1));
                    return w -> outcome(bus(w).claim(bdf, bar));
                }));
    }

    private static String device(Step s, Scope scope) {
        String bdf = s.args().get(0);
        scope.require(PCI_DEVICE, bdf, s, "add it with 'pci " + bdf + " bar0=PAGES'");
        return bdf;
    }

    private GlobalVerb.Action preparePci(Step s, Scope scope) {
        String bdf = s.args().get(0);
        try {
            Pci.Address.parse(bdf);
        } catch (IllegalArgumentException e) {
            throw ScenarioRunner.malformed(s, e.getMessage());
        }
        List<Pci.Bar> bars = new ArrayList<>();
        for (Map.Entry<String, String> e : s.options().entrySet()) {
            int index = barIndex(s, e.getKey());
            String spec = e.getValue();
            int at = spec.indexOf('@');
            long pages = Numbers.parse(s, e.getKey() + " pages", at < 0 ? spec : spec.substring(0, at), 1, PciFunctions.PFN_LIMIT);
            if (at < 0) {
                bars.add(Pci.Bar.of(index, pages));
            } else {
                long first = Numbers.parse(s, e.getKey() + " first page", spec.substring(at + 1), 0, PciFunctions.PFN_LIMIT - pages);
                bars.add(Pci.Bar.at(index, pages, first));
            }
        }
        if (bars.isEmpty()) {
            throw ScenarioRunner.malformed(s, "a PCI device needs at least one BAR (bar0=PAGES[@FIRST_PAGE])");
        }
        scope.define(PCI_DEVICE, bdf, s);
        Pci.Bar[] list = bars.toArray(Pci.Bar[]::new);
        return w -> {
            if (bus(w).device(bdf).isPresent()) {
                throw ScenarioRunner.malformed(s, "PCI device " + bdf + " already exists");
            }
            try {
                bus(w).addDevice(bdf, list);
            } catch (IllegalArgumentException e) {
                // Only the machine knows what memory is taken: a BAR over another device's is found here.
                throw ScenarioRunner.malformed(s, e.getMessage());
            }
            return "ok";
        };
    }

    private static int barIndex(Step s, String name) {
        if (!name.matches("bar[0-5]")) {
            throw ScenarioRunner.malformed(s, "'" + name + "' is not a BAR (bar0 to bar5)");
        }
        return name.charAt(3) - '0';
    }

    private static String outcome(Result<?> r) {
        return r.isOk() ? "ok" : r.errnoOrNull().name();
    }

    @Override
    public List<FuzzGenerator> fuzzGenerators() {
        return List.of(new SysfsFuzz());
    }
}
