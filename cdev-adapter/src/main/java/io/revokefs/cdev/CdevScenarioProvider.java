package io.revokefs.cdev;

import io.revokefs.kernel.Kernel;
import io.revokefs.scenario.GlobalVerb;
import io.revokefs.scenario.Numbers;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Scope;
import io.revokefs.scenario.Step;
import io.revokefs.scenario.VerbShape;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The character device in the scenario language: {@code cdev NAME [pages=N] [vmclose=true]} makes
 * {@code /dev/NAME}, {@code event NAME} raises an event, {@code unplug NAME} revokes it and removes
 * the node. A read of {@code count=4} waits for the next event ({@link CharDevice#WAIT_BYTES}).
 */
public final class CdevScenarioProvider implements ScenarioProvider {
    /** How a {@code cdev} line makes its device. */
    @FunctionalInterface
    interface Factory {
        CharDevice create(Kernel kernel, String name, int pages, boolean vmclose);
    }

    private final Factory factory;

    public CdevScenarioProvider() {
        this(CharDevice::create);
    }

    /** For tests: a provider whose devices {@code factory} makes (a planted bug's). */
    CdevScenarioProvider(Factory factory) {
        this.factory = factory;
    }

    /** The scope kind of a {@code cdev} line's device. */
    public static final String CDEV = "character device";
    /** The most pages of device memory a script may ask for. */
    static final long MAX_PAGES = 1 << 20;

    /** A world's character devices, by name. */
    static final class Devices {
        final Map<String, CharDevice> byName = new HashMap<>();

        synchronized CharDevice get(String name) {
            return byName.get(name); // the scope checked, before anything ran, that a cdev line made it
        }
    }

    @Override
    public String name() {
        return CharDevice.ADAPTER;
    }

    @Override
    public List<String> paths() {
        return List.of("/dev/NAME");
    }

    @Override
    public void install(ScenarioWorld world) {
        world.provide(Devices.class, new Devices());
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(
                GlobalVerb.of("cdev", VerbShape.args(1, 1).options("pages", "vmclose"), this::prepareCreate),
                GlobalVerb.of("event", VerbShape.args(1, 1), (s, scope) -> {
                    String name = device(s, scope);
                    return w -> devices(w).get(name).event() ? "ok" : "ENODEV";
                }),
                GlobalVerb.of("unplug", VerbShape.args(1, 1), (s, scope) -> {
                    String name = device(s, scope);
                    return w -> {
                        devices(w).get(name).unplug();
                        return "ok";
                    };
                }));
    }

    private static Devices devices(ScenarioWorld w) {
        return w.service(Devices.class).orElseThrow();
    }

    private static String device(Step s, Scope scope) {
        String name = s.args().get(0);
        scope.require(CDEV, name, s, "make it with 'cdev " + name + "'");
        return name;
    }

    private GlobalVerb.Action prepareCreate(Step s, Scope scope) {
        String name = s.args().get(0);
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw ScenarioRunner.malformed(s, "a cdev is named with letters, digits, '_', '.' or '-', got '" + name + "'");
        }
        int pages = (int) Numbers.option(s, "pages", 0, 0, MAX_PAGES);
        String vmclose = s.options().getOrDefault("vmclose", "false");
        if (!vmclose.equals("true") && !vmclose.equals("false")) {
            throw ScenarioRunner.malformed(s, "vmclose must be true or false, got '" + vmclose + "'");
        }
        scope.define(CDEV, name, s);
        return w -> {
            Devices devices = devices(w);
            synchronized (devices) {
                if (w.kernel().lookup("/dev/" + name).isOk()) {
                    throw ScenarioRunner.malformed(s, "/dev/" + name + " already exists (unplug it first)");
                }
                devices.byName.put(name, factory.create(w.kernel(), name, pages, vmclose.equals("true")));
            }
            return "ok";
        };
    }
}
