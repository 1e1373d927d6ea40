package io.revokefs.uio;

import io.revokefs.kernel.Result;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * uio in the scenario language: {@code uio uioN maps=PAGES[,PAGES...] [logical=I,...]}
 * ({@code uio_register_device}), {@code unregister uioN} ({@code uio_unregister_device}) and
 * {@code interrupt uioN} ({@code uio_event_notify}); the devices are {@code /dev/uioN}.
 */
public final class UioScenarioProvider implements ScenarioProvider {
    /** The scope kind of a {@code uio} line's device. */
    public static final String UIO_DEVICE = "uio device";

    /** A world's uio: the subsystem and the devices the script named. */
    static final class Devices {
        final Uio uio;
        final Map<String, UioDevice> byName = new HashMap<>();

        Devices(Uio uio) {
            this.uio = uio;
        }

        synchronized UioDevice get(Step s, String name) {
            UioDevice d = byName.get(name);
            if (d == null) {
                throw ScenarioRunner.malformed(s, "no uio device named '" + name + "'");
            }
            return d;
        }
    }

    @Override
    public String name() {
        return "uio";
    }

    @Override
    public List<String> paths() {
        return List.of("/dev/uioN");
    }

    @Override
    public void install(ScenarioWorld world) {
        Uio uio = new Uio(world.kernel());
        world.provide(Uio.class, uio);
        world.provide(Devices.class, new Devices(uio));
    }

    private static Devices devices(ScenarioWorld w) {
        return w.service(Devices.class).orElseThrow();
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(
                GlobalVerb.of("uio", VerbShape.args(1, 1).options("maps", "logical"), UioScenarioProvider::prepareRegister),
                GlobalVerb.of("unregister", VerbShape.args(1, 1), (s, scope) -> {
                    String name = device(s, scope);
                    return w -> {
                        devices(w).get(s, name).unregister();
                        return "ok";
                    };
                }),
                GlobalVerb.of("interrupt", VerbShape.args(1, 1), (s, scope) -> {
                    String name = device(s, scope);
                    return w -> devices(w).get(s, name).interrupt() ? "ok" : "ENODEV";
                }));
    }

    private static String device(Step s, Scope scope) {
        String name = s.args().get(0);
        scope.require(UIO_DEVICE, name, s, "register it with 'uio " + name + " maps=PAGES'");
        return name;
    }

    private static GlobalVerb.Action prepareRegister(Step s, Scope scope) {
        String name = s.args().get(0);
        if (!name.matches("uio[0-9]{1,9}")) {
            throw ScenarioRunner.malformed(s, "a uio device is named uioN, got '" + name + "'");
        }
        String maps = s.options().get("maps");
        if (maps == null) {
            throw ScenarioRunner.malformed(s, "a uio device needs maps=PAGES[,PAGES...]");
        }
        String[] sizes = maps.split(",", -1);
        if (sizes.length > UioInfo.MAX_UIO_MAPS) {
            throw ScenarioRunner.malformed(s, "at most " + UioInfo.MAX_UIO_MAPS + " maps (MAX_UIO_MAPS), got " + sizes.length);
        }
        Set<Integer> logical = new HashSet<>();
        String logicalList = s.options().get("logical");
        if (logicalList != null) {
            for (String i : logicalList.split(",", -1)) {
                logical.add((int) Numbers.parse(s, "logical", i, 0, sizes.length - 1));
            }
        }
        List<UioMem> mem = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            long pages = Numbers.parse(s, "maps", sizes[i], 1, PciFunctions.PFN_LIMIT);
            mem.add(new UioMem("map" + i, logical.contains(i) ? UioMem.Type.LOGICAL : UioMem.Type.PHYS, pages));
        }
        scope.define(UIO_DEVICE, name, s);
        return w -> register(s, devices(w), name, mem);
    }

    private static String register(Step s, Devices devices, String name, List<UioMem> mem) {
        synchronized (devices) {
            UioDevice existing = devices.byName.get(name);
            if (existing != null && !existing.object().isRevoked()) {
                throw ScenarioRunner.malformed(s, name + " already exists");
            }
            UioDevice dev;
            try {
                dev = devices.uio.register(new UioInfo(name, mem, true, irqOn -> Result.ok()));
            } catch (IllegalArgumentException e) {
                throw ScenarioRunner.malformed(s, e.getMessage());
            }
            if (!dev.path().equals("/dev/" + name)) {
                dev.unregister();
                throw ScenarioRunner.malformed(s, "uio devices are numbered in order: this one would be " + dev.path());
            }
            devices.byName.put(name, dev);
            return "ok";
        }
    }

    @Override
    public List<FuzzGenerator> fuzzGenerators() {
        return List.of(ctx -> new FuzzGenerator.Session() {
            final List<String> uios = new ArrayList<>();
            final Set<String> live = new TreeSet<>();
            /** Async uio reads not yet collected, with their device. */
            final Map<String, String> waiting = new TreeMap<>();
            /** The file each of those reads is on. */
            final Map<String, String> readingFiles = new HashMap<>();

            @Override
            public boolean global() {
                if (ctx.random().nextBoolean()) {
                    if (live.size() >= 2) {
                        return false;
                    }
                    // uio_register_device takes the lowest free minor.
                    int minor = 0;
                    while (live.contains("uio" + minor)) {
                        minor++;
                    }
                    String u = "uio" + minor;
                    if (ctx.run("uio " + u + " maps=" + (1 + ctx.random().nextInt(4)) + "," + (1 + ctx.random().nextInt(3))
                            + " logical=1").equals("ok")) {
                        live.add(u);
                        if (!uios.contains(u)) {
                            uios.add(u);
                        }
                    }
                    return true;
                }
                if (uios.isEmpty()) {
                    return false;
                }
                String u = uios.get(ctx.random().nextInt(uios.size()));
                boolean unregister = ctx.random().nextInt(3) == 0;
                ctx.run((unregister ? "unregister " : "interrupt ") + u);
                if (unregister) {
                    live.remove(u);
                }
                collect(u);
                return true;
            }

            /** Waits for the async reads of device {@code u}, which its interrupt or unregister woke. */
            void collect(String u) {
                for (String t : new ArrayList<>(waiting.keySet())) {
                    if (waiting.get(t).equals(u)) {
                        waiting.remove(t);
                        readingFiles.remove(t);
                        ctx.run("wait " + t);
                    }
                }
            }

            @Override
            public List<String> paths() {
                return uios.stream().map(u -> "/dev/" + u).toList();
            }

            @Override
            public OptionalLong mmapOffset(String path) {
                // a map index, sometimes one that does not exist
                return path.startsWith("/dev/uio") ? OptionalLong.of(ctx.random().nextInt(3)) : OptionalLong.empty();
            }

            @Override
            public boolean read(String process, String file, String path) {
                if (!path.startsWith("/dev/uio")) {
                    return false;
                }
                // A uio read sleeps until the next interrupt: start it, collect it later. One at a
                // time per file: readers of one file share its event count, so one interrupt wakes
                // only one of them (uio_read's listener->event_count).
                if (!readingFiles.containsValue(file)) {
                    String t = ctx.name("t");
                    ctx.run(process + " read " + file + " count=4 async=true as " + t);
                    waiting.put(t, path.substring("/dev/".length()));
                    readingFiles.put(t, file);
                }
                return true;
            }

            @Override
            public void finish() {
                // Every sleeping reader is woken (an interrupt, or the unregister already did) and collected.
                for (String u : new TreeSet<>(waiting.values())) {
                    ctx.run("interrupt " + u);
                    collect(u);
                }
            }
        });
    }
}
