package io.revokefs.procfs;

import io.revokefs.kernel.Result;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.GlobalVerb;
import io.revokefs.scenario.PciFunctions;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Step;
import io.revokefs.scenario.VerbShape;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * procfs in the scenario language: {@code /proc} on every world (published as {@link ProcFs}), with
 * {@code /proc/bus/pci} following whatever bus the world's {@link PciFunctions} service shows
 * ({@code pci_proc_attach_device} / {@code pci_proc_detach_device}), and the verbs {@code proc PATH}
 * (a proc entry whose read shows its name) and {@code remove_proc_entry PATH}.
 */
public final class ProcFsScenarioProvider implements ScenarioProvider {
    /** The scope kind of a {@code proc} line's entry. */
    public static final String PROC_ENTRY = "proc entry";

    @Override
    public String name() {
        return "procfs";
    }

    @Override
    public List<String> paths() {
        return List.of("/proc/bus/pci/BB/DD.F", "any proc PATH under /proc/");
    }

    @Override
    public void install(ScenarioWorld world) {
        ProcFs procfs = new ProcFs(world.kernel());
        ProcBusPci busPci = new ProcBusPci(procfs);
        world.provide(ProcFs.class, procfs);
        world.provide(ProcBusPci.class, busPci);
        // The same functions appear in /proc/bus/pci, mapping the same BARs (physical offsets);
        // removal through the bus (remove attribute or hot-unplug) detaches them here too.
        world.whenProvided(PciFunctions.class, functions -> functions.addListener(new PciFunctions.Listener() {
            @Override
            public void added(PciFunctions.Function f) {
                busPci.attachDevice(new ProcBusPci.PciFunction(f.bdf(), f.bars()));
            }

            @Override
            public void removed(String bdf) {
                busPci.detachDevice(bdf);
            }
        }));
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(
                GlobalVerb.of("proc", VerbShape.args(1, 1), (s, scope) -> {
                    String path = s.args().get(0);
                    if (!path.startsWith(ProcFs.ROOT + "/") || path.endsWith("/") || path.contains("//")) {
                        throw ScenarioRunner.malformed(s, "a proc entry is a path under /proc/, got '" + path + "'");
                    }
                    scope.define(PROC_ENTRY, path, s);
                    return w -> createProcEntry(s, w.service(ProcFs.class).orElseThrow(), path);
                }),
                GlobalVerb.of("remove_proc_entry", VerbShape.args(1, 1), (s, scope) -> {
                    String path = s.args().get(0);
                    return w -> w.service(ProcFs.class).orElseThrow().removeProcEntry(path) ? "ok" : "ENOENT";
                }));
    }

    /** {@code proc PATH}: a proc entry whose read shows its name and whose write is accepted. */
    private static String createProcEntry(Step s, ProcFs procfs, String path) {
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

    @Override
    public List<FuzzGenerator> fuzzGenerators() {
        return List.of(ctx -> new FuzzGenerator.Session() {
            final List<String> entries = new ArrayList<>();
            final List<String> paths = new ArrayList<>();

            {
                ctx.world().whenProvided(PciFunctions.class, f -> f.addListener(new PciFunctions.Listener() {
                    @Override
                    public void added(PciFunctions.Function fn) {
                        String p = ProcBusPci.pathOf(fn.bdf());
                        if (!paths.contains(p)) {
                            paths.add(p);
                        }
                    }

                    @Override
                    public void removed(String bdf) {
                        // the path stays a candidate: opening it now is ENOENT
                    }
                }));
            }

            @Override
            public boolean global() {
                if (ctx.random().nextBoolean()) {
                    if (entries.size() >= 2) {
                        return false;
                    }
                    String path = "/proc/driver/e" + entries.size();
                    ctx.run("proc " + path);
                    entries.add(path);
                    paths.add(path);
                    return true;
                }
                if (entries.isEmpty() || ctx.random().nextInt(3) != 0) {
                    return false;
                }
                ctx.run("remove_proc_entry " + entries.get(ctx.random().nextInt(entries.size())));
                return true;
            }

            @Override
            public List<String> paths() {
                return paths;
            }

            @Override
            public void opened(String process, String file, String path) {
                if (path.startsWith(ProcBusPci.DIR) && ctx.random().nextInt(4) > 0) {
                    ctx.run(process + " ioctl " + file + " cmd=PCIIOC_MMAP_IS_MEM");
                }
            }

            @Override
            public OptionalLong mmapOffset(String path) {
                if (path.startsWith(ProcBusPci.DIR)) {
                    return OptionalLong.of(ctx.physicalPage());
                }
                return paths.contains(path) ? OptionalLong.of(ctx.random().nextInt(3)) : OptionalLong.empty();
            }
        });
    }
}
