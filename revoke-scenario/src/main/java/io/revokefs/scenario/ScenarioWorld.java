package io.revokefs.scenario;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.kernel.Kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The simulated machine a scenario runs on: a kernel recording into the run's recorder, set up by
 * every {@link ScenarioProvider} of the run, and a typed registry through which adapters meet: one
 * adapter {@linkplain #provide provides} a service (sysfs its PCI bus), another
 * {@linkplain #whenProvided asks for it} (procfs, to show the bus's functions under
 * {@code /proc/bus/pci}), whichever is installed first.
 */
public final class ScenarioWorld {
    private final Kernel kernel;
    private final ScenarioProviders providers;
    private final Map<Class<?>, Object> services = new HashMap<>();
    private final Map<Class<?>, List<Consumer<Object>>> waiting = new HashMap<>();

    /** A new machine recording into {@code recorder}, with every provider of {@code providers} installed. */
    public ScenarioWorld(EventRecorder recorder, ScenarioProviders providers) {
        this.kernel = new Kernel(recorder);
        this.providers = Objects.requireNonNull(providers, "providers");
        for (ScenarioProvider p : providers.all()) {
            p.install(this);
        }
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The providers installed on this world (their verbs are the language's global verbs). */
    public ScenarioProviders providers() {
        return providers;
    }

    /**
     * Publishes {@code service} under {@code type}: {@link #service} returns it, and every
     * {@link #whenProvided} callback waiting for the type runs now. One service per type.
     */
    public synchronized <T> void provide(Class<T> type, T service) {
        Objects.requireNonNull(service, "service");
        if (services.putIfAbsent(type, type.cast(service)) != null) {
            throw new IllegalStateException(type.getName() + " is already provided");
        }
        List<Consumer<Object>> w = waiting.remove(type);
        if (w != null) {
            w.forEach(c -> c.accept(service));
        }
    }

    /** The service published under {@code type}, if an adapter published one. */
    public synchronized <T> Optional<T> service(Class<T> type) {
        return Optional.ofNullable(services.get(type)).map(type::cast);
    }

    /** Runs {@code use} with the service of {@code type}: now if it is provided, else when it is. */
    public synchronized <T> void whenProvided(Class<T> type, Consumer<? super T> use) {
        Object s = services.get(type);
        if (s != null) {
            use.accept(type.cast(s));
        } else {
            waiting.computeIfAbsent(type, k -> new ArrayList<>()).add(o -> use.accept(type.cast(o)));
        }
    }
}
