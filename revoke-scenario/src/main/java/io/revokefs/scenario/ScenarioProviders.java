package io.revokefs.scenario;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * The adapters of a run: the {@link ScenarioProvider}s found by {@link ServiceLoader}, sorted by name
 * (so a world is the same whatever the class path order), with their global verbs in one table.
 * Two providers of one name, or two verbs of one name, are refused when loading.
 */
public final class ScenarioProviders {
    private final List<ScenarioProvider> providers;
    private final Map<String, GlobalVerb> verbs = new LinkedHashMap<>();
    private final Map<String, ScenarioProvider> verbOwner = new LinkedHashMap<>();

    private ScenarioProviders(List<ScenarioProvider> list) {
        List<ScenarioProvider> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparing(ScenarioProvider::name));
        Map<String, ScenarioProvider> names = new LinkedHashMap<>();
        for (ScenarioProvider p : sorted) {
            ScenarioProvider before = names.putIfAbsent(p.name(), p);
            if (before != null) {
                throw new IllegalArgumentException("two adapters named '" + p.name() + "': " + before.getClass().getName()
                        + " and " + p.getClass().getName());
            }
            for (GlobalVerb v : p.verbs()) {
                if (ScenarioParser.isOwnVerb(v.name())) {
                    throw new IllegalArgumentException("adapter '" + p.name() + "' defines '" + v.name()
                            + "', a verb of the language itself");
                }
                ScenarioProvider owner = verbOwner.putIfAbsent(v.name(), p);
                if (owner != null) {
                    throw new IllegalArgumentException("adapters '" + owner.name() + "' and '" + p.name()
                            + "' both define the verb '" + v.name() + "'");
                }
                verbs.put(v.name(), v);
            }
        }
        this.providers = List.copyOf(sorted);
    }

    /** Exactly these providers (tests, or a program embedding the language). */
    public static ScenarioProviders of(List<? extends ScenarioProvider> providers) {
        return new ScenarioProviders(new ArrayList<>(providers));
    }

    /** The providers visible to {@code loader}. */
    public static ScenarioProviders load(ClassLoader loader) {
        List<ScenarioProvider> found = new ArrayList<>();
        ServiceLoader.load(ScenarioProvider.class, loader).forEach(found::add);
        return new ScenarioProviders(found);
    }

    /** The providers on the class path of this class. */
    public static ScenarioProviders load() {
        return load(ScenarioProviders.class.getClassLoader());
    }

    /**
     * The providers on the class path and in the jars of {@code dir} (each {@code *.jar}, and
     * {@code dir} itself as a class directory). IllegalArgumentException when {@code dir} is not a
     * readable directory.
     */
    public static ScenarioProviders load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--adapter-path " + dir + " is not a directory");
        }
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            urls.add(dir.toUri().toURL());
            for (Path p : files.sorted().toList()) {
                if (p.getFileName().toString().endsWith(".jar")) {
                    urls.add(p.toUri().toURL());
                }
            }
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("--adapter-path " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list --adapter-path " + dir + ": " + e.getMessage(), e);
        }
        return load(new URLClassLoader(urls.toArray(URL[]::new), ScenarioProviders.class.getClassLoader()));
    }

    /** Every provider, by name. */
    public List<ScenarioProvider> all() {
        return providers;
    }

    /** The adapters' global verbs, by name. */
    public Map<String, GlobalVerb> verbs() {
        return Collections.unmodifiableMap(verbs);
    }

    /** Every fuzz generator of every provider, in provider order. */
    public List<FuzzGenerator> fuzzGenerators() {
        List<FuzzGenerator> out = new ArrayList<>();
        providers.forEach(p -> out.addAll(p.fuzzGenerators()));
        return out;
    }
}
