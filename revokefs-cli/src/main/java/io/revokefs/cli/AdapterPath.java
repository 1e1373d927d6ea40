package io.revokefs.cli;

import io.revokefs.scenario.ScenarioProviders;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --adapter-path DIR}: adapters beyond those on the class path, each a jar (or class
 * directory) whose {@code META-INF/services/io.revokefs.scenario.ScenarioProvider} names its
 * provider. Shared by {@code run}, {@code explore} and {@code fuzz}.
 */
final class AdapterPath {
    @Option(names = "--adapter-path", paramLabel = "DIR",
            description = "also load the adapters in the jars of DIR (each a ScenarioProvider, found by ServiceLoader)")
    Path dir;

    /** The adapters of this run: the class path's, and those of {@code --adapter-path}. */
    ScenarioProviders providers() {
        try {
            return dir == null ? ScenarioProviders.load() : ScenarioProviders.load(dir);
        } catch (IllegalArgumentException | java.util.ServiceConfigurationError e) {
            throw new InputException(e.getMessage());
        }
    }
}
