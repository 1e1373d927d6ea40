package io.revokefs.cli;

import io.revokefs.cli.fuzz.ScenarioFuzzer;
import io.revokefs.core.RevocableObject;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioProviders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An adapter built outside the main modules plugs in (issue 12): {@code src/test/adapter} holds its
 * source, which this test compiles against revoke-kernel, revoke-core and revoke-scenario alone, jars with its
 * {@code META-INF/services} entry, and puts in a directory given to {@code --adapter-path}. The
 * command, unchanged, then runs a script on it, explores its race, and fuzzes it.
 */
class OutsideAdapterTest {
    @TempDir
    static Path tmp;
    static Path adapters;

    @BeforeAll
    static void buildTheAdapterJar() throws IOException {
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        Path src = Path.of("src/test/adapter/org/example/foo/FooScenarioProvider.java");
        String classpath = String.join(java.io.File.pathSeparator, jarOf(io.revokefs.kernel.Kernel.class), jarOf(RevocableObject.class), jarOf(ScenarioProvider.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "17", "-cp", classpath, "-d", classes.toString(), src.toString());
        assertThat(rc).as("javac of the outside adapter").isZero();
        adapters = tmp.resolve("adapters");
        Files.createDirectories(adapters);
        try (OutputStream out = Files.newOutputStream(adapters.resolve("foo-adapter.jar"));
             JarOutputStream jar = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                jar.write(Files.readAllBytes(f));
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry("META-INF/services/io.revokefs.scenario.ScenarioProvider"));
            jar.write("org.example.foo.FooScenarioProvider\n".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
    }

    private static String jarOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final List<String> SCRIPT = List.of(
            "foo foo0",
            "process p1",
            "process p2",
            "p1 open /dev/foo0 as f",
            "p1 read f",
            "together",
            "  p1 read f expect=ok,ENODEV",
            "  p2 open /dev/foo0 as g expect=ok,ENOENT,ENODEV", // looked up before the unplug, entered after its deactivate: ENODEV
            "  unbind foo0",
            "end",
            "p1 read f expect=ENODEV");

    private Path script() throws IOException {
        Path s = tmp.resolve("foo" + System.nanoTime() + ".scenario");
        Files.write(s, SCRIPT);
        return s;
    }

    @Test
    void withoutTheAdapterPathItsVerbIsUnknown() throws IOException {
        Cli c = Cli.run("run", script().toString(), "--store", tmp.resolve("none").toString());
        assertThat(c.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(c.err()).contains(":1: unknown verb: 'foo' is not a global verb");
    }

    @Test
    void runDrivesAScriptOnTheOutsideAdapter() throws IOException {
        Cli c = Cli.run("run", script().toString(), "--adapter-path", adapters.toString(), "--store", tmp.resolve("run").toString());
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("revoked foo:/dev/foo0 (unplug)").contains("audit:   clean");
    }

    @Test
    void exploreExploresTheOutsideAdaptersRace() throws IOException {
        Cli c = Cli.run("explore", script().toString(), "--adapter-path", adapters.toString());
        assertThat(c.code()).as(c.out() + c.err()).isZero();
        assertThat(c.out()).contains("exhaustive=true").contains("violations=0");
        assertThat(c.out()).containsPattern("schedules=[0-9]{2,}"); // the adapter's operations are interleaving points
        assertThat(Cli.run("explore", "--list", "--adapter-path", adapters.toString()).out())
                .contains("adapter foo: verbs foo, unbind; paths /dev/fooN");
    }

    @Test
    void fuzzGeneratesScenariosOnTheOutsideAdapter() {
        Cli c = Cli.run("fuzz", "--count", "20", "--adapter-path", adapters.toString(), "--save", tmp.resolve("f").toString());
        assertThat(c.code()).as(c.out() + c.err()).isZero();
        assertThat(c.out()).contains("20 scenarios").contains("no findings");
        ScenarioFuzzer fuzzer = new ScenarioFuzzer(40, ScenarioProviders.load(adapters));
        long withFoo = Stream.iterate(1L, s -> s + 1).limit(20).map(fuzzer::run)
                .filter(o -> o.ok() && o.script().stream().anyMatch(l -> l.contains("/dev/foo"))).count();
        assertThat(withFoo).as("scenarios that open a foo device (more adapters on the class path share the draws)").isGreaterThan(0);
    }
}
