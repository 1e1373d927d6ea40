package io.revokefs.vfio;

import io.revokefs.kernel.Result;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.GlobalVerb;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Scope;
import io.revokefs.scenario.Step;
import io.revokefs.scenario.VerbShape;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.SysfsScenarioProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * vfio-pci in the scenario language (docs/semantics.md section 10): {@code vfio BDF [populate=fault|eager]}
 * binds a device made with {@code pci} and creates {@code /dev/vfio/devices/vfioN}. The process verbs
 * are the language's own: {@code pX mmap F region=N pages=N offset=N as NAME} (offset in pages inside
 * the region), {@code pX memory F off|on} (a config-space write of PCI_COMMAND's memory bit),
 * {@code pX ioctl F cmd=VFIO_DEVICE_RESET}; {@code remove BDF} (sysfs's verb) is the permanent revoke.
 */
public final class VfioScenarioProvider implements ScenarioProvider {
    /** The scope kind of a {@code vfio} line's device. */
    public static final String VFIO_DEVICE = "vfio device";

    @Override
    public String name() {
        return VfioPci.ADAPTER;
    }

    @Override
    public List<String> paths() {
        return List.of(VfioPci.DEVICES + "N");
    }

    @Override
    public void install(ScenarioWorld world) {
        world.whenProvided(PciBus.class, bus -> world.provide(VfioPci.class, new VfioPci(world.kernel(), bus)));
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(GlobalVerb.of("vfio", VerbShape.args(1, 1).options("populate"), VfioScenarioProvider::prepareVfio));
    }

    private static GlobalVerb.Action prepareVfio(Step s, Scope scope) {
        String bdf = s.args().get(0);
        scope.require(SysfsScenarioProvider.PCI_DEVICE, bdf, s, "add it with 'pci " + bdf + " bar0=PAGES'");
        String name = s.options().getOrDefault("populate", VfioPci.Populate.ON_FAULT.scenarioName());
        VfioPci.Populate populate = VfioPci.Populate.ofScenarioName(name)
                .orElseThrow(() -> ScenarioRunner.malformed(s, "populate must be fault or eager, not '" + name + "'"));
        scope.define(VFIO_DEVICE, bdf, s);
        return w -> {
            Result<VfioDevice> r = w.service(VfioPci.class).orElseThrow().bind(bdf, populate);
            return r.isOk() ? "ok" : r.errnoOrNull().name();
        };
    }

    @Override
    public List<FuzzGenerator> fuzzGenerators() {
        return List.of(new Fuzz());
    }

    /**
     * vfio's part of {@code revokefs fuzz}: up to two devices (a {@code pci} line, then {@code vfio}
     * with a random strategy), BAR0 mapped through the device file, memory toggled and the device reset
     * on opened files, hot-unplugged at random. After the run, no PTE of a bound device whose memory is
     * off may exist.
     */
    static final class Fuzz implements FuzzGenerator {
        @Override
        public Session start(Context ctx) {
            return new Session() {
                final List<String> bdfs = new ArrayList<>();
                final List<String> paths = new ArrayList<>();
                final List<Long> bar0Pages = new ArrayList<>();

                @Override
                public boolean global() {
                    if (ctx.random().nextInt(4) == 0 && !bdfs.isEmpty()) {
                        ctx.run("remove " + bdfs.get(ctx.random().nextInt(bdfs.size())));
                        return true;
                    }
                    if (bdfs.size() >= 2) {
                        return false;
                    }
                    int n = 0x10 + bdfs.size();
                    String bdf = String.format("0000:00:%02x.0", n);
                    long base = 0x90000 + n * 0x100L;
                    long pages = 1 + ctx.random().nextInt(8);
                    if (!ctx.run("pci " + bdf + " bar0=" + pages + "@0x" + Long.toHexString(base)).equals("ok")) {
                        return true;
                    }
                    ctx.addPhysicalRange(base, pages);
                    String populate = ctx.random().nextBoolean() ? "fault" : "eager";
                    if (ctx.run("vfio " + bdf + " populate=" + populate).equals("ok")) {
                        paths.add(VfioPci.DEVICES + paths.size());
                        bdfs.add(bdf);
                        bar0Pages.add(pages);
                    }
                    return true;
                }

                @Override
                public List<String> paths() {
                    return paths;
                }

                @Override
                public OptionalLong mmapOffset(String path) {
                    int i = paths.indexOf(path);
                    return i < 0 ? OptionalLong.empty()
                            : OptionalLong.of(VfioDevice.regionPgoff(0, ctx.random().nextInt((int) (long) bar0Pages.get(i))));
                }

                @Override
                public void opened(String process, String file, String path) {
                    if (!paths.contains(path)) {
                        return;
                    }
                    switch (ctx.random().nextInt(3)) {
                        case 0 -> ctx.run(process + " memory " + file + " off");
                        case 1 -> {
                            ctx.run(process + " memory " + file + " off");
                            ctx.run(process + " memory " + file + " on");
                        }
                        default -> ctx.run(process + " ioctl " + file + " cmd=VFIO_DEVICE_RESET");
                    }
                }

                @Override
                public List<String> check(ScenarioWorld world) {
                    List<String> problems = new ArrayList<>();
                    VfioPci vfio = world.service(VfioPci.class).orElse(null);
                    if (vfio == null) {
                        return problems;
                    }
                    for (String bdf : bdfs) {
                        vfio.device(bdf).filter(d -> !d.isMemoryEnabled()).ifPresent(d -> {
                            for (Process p : world.kernel().processes()) {
                                for (Vma v : p.mm().vmas()) {
                                    if (v.file() != null && v.file().mapping() == d.object().mapping() && p.mm().populatedPages(v) > 0) {
                                        problems.add(v.id() + " of pid " + p.pid() + " has PTEs while the memory of " + d.path() + " is off");
                                    }
                                }
                            }
                        });
                    }
                    return problems;
                }
            };
        }
    }
}
