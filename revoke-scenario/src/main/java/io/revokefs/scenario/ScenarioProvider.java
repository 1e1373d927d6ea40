package io.revokefs.scenario;

import java.util.List;
import java.util.Optional;

/**
 * What an adapter contributes to the scenario language, found with {@link java.util.ServiceLoader}: an
 * adapter jar lists its implementation in {@code META-INF/services/io.revokefs.scenario.ScenarioProvider}
 * and is then driven by {@code revokefs run}, {@code explore} and {@code fuzz} with no change to
 * revokefs (on the class path, or in a directory given with {@code --adapter-path}).
 *
 * <p>A provider is stateless; what a run needs is made by {@link #install} on each new
 * {@link ScenarioWorld}. Its global verbs ({@code pci}, {@code uio}, ...) are checked when a script is
 * parsed, before any line of any script runs ({@link GlobalVerb#prepare}), and run later on the world.
 * Adapters that need each other meet through the world's typed registry
 * ({@link ScenarioWorld#provide}, {@link ScenarioWorld#whenProvided}), never by name.
 *
 * <pre>{@code
 * public final class FooScenarioProvider implements ScenarioProvider {
 *     public String name() { return "foo"; }
 *     public List<String> paths() { return List.of("/dev/fooN"); }
 *     public List<GlobalVerb> verbs() {
 *         return List.of(GlobalVerb.of("foo", VerbShape.args(1, 1), (step, scope) -> {
 *             String name = step.args().get(0);
 *             scope.define("foo device", name, step);
 *             return world -> world.service(FooBus.class).orElseThrow().add(name) ? "ok" : "EEXIST";
 *         }));
 *     }
 *     public void install(ScenarioWorld world) { world.provide(FooBus.class, new FooBus(world.kernel())); }
 * }
 * }</pre>
 */
public interface ScenarioProvider {

    /** A short name ({@code sysfs}, {@code uio}), unique among the providers of a run. */
    String name();

    /**
     * The paths the adapter serves once the script made them, as patterns for a reader
     * ({@code /sys/bus/pci/devices/BDF/resourceN}); processes reach them through the kernel.
     */
    List<String> paths();

    /** The global verbs the adapter adds to the language; each verb name is unique among all providers. */
    List<GlobalVerb> verbs();

    /**
     * Sets the adapter up on a new world (called once per world, providers in {@link ScenarioProviders}
     * order): registers its devices in {@link ScenarioWorld#kernel()}, publishes what other adapters
     * or its own verbs need with {@link ScenarioWorld#provide}.
     */
    void install(ScenarioWorld world);

    /** Random-scenario generators for {@code revokefs fuzz}; none by default. */
    default List<FuzzGenerator> fuzzGenerators() {
        return List.of();
    }

    /**
     * The adapter's fixture of kind {@code kind} (the conformance suite asks for its own fixture type
     * here), or empty when the adapter has none of that kind.
     */
    default <F> Optional<F> fixture(Class<F> kind) {
        return Optional.empty();
    }
}
