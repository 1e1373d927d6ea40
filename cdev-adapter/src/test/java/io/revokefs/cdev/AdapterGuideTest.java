package io.revokefs.cdev;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/adapters.md cannot go stale: this test writes every code block the page marks with
 * {@code <!-- file: PATH -->} into a fresh directory, builds it with Maven as an outside project
 * would, and requires its conformance test to run and pass.
 *
 * <p>Offline and without touching the shared ~/.m2: the project builds with its own local repository
 * (a temporary directory), into which this test copies the artifacts this reactor just built
 * (the pom and jar of revoke-conformance and of the modules it depends on, and the parent pom), and
 * a settings file mirrors every other
 * repository to ~/.m2/repository read-only ({@code file://}), where the reactor's own build put the
 * third-party artifacts (JUnit, AssertJ, Axon, SLF4J, the Maven plugins). Nothing is installed anywhere
 * but the temporary directory.
 */
class AdapterGuideTest {
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- file: (\\S+) -->\\s*\\n```[a-z]*\\n(.*?)\\n```", Pattern.DOTALL);
    private static final String VERSION = "0.1.0-SNAPSHOT";
    /** The reactor modules the guide's project reaches: revoke-conformance and what it depends on. */
    private static final List<String> STAGED = List.of("revoke-kernel", "revoke-core", "revoke-testing", "revoke-history", "revoke-conformance");

    /** The blocks of the guide, file name to content, in order. */
    static Map<String, String> blocks(String markdown) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(markdown);
        while (m.find()) {
            if (out.put(m.group(1), m.group(2) + "\n") != null) {
                throw new IllegalStateException("docs/adapters.md names " + m.group(1) + " twice");
            }
        }
        return out;
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void theGuidesProjectBuildsAndPassesTheConformanceSuite(@TempDir Path tmp) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Map<String, String> files = blocks(Files.readString(root.resolve("docs/adapters.md")));
        assertThat(files).as("the guide's files").containsKeys("pom.xml",
                "src/main/java/org/example/mydev/MyDevice.java",
                "src/test/java/org/example/mydev/MyDeviceConformanceTest.java",
                "src/test/java/org/example/mydev/MyDeviceUnplugTest.java");

        Path project = tmp.resolve("mydev-adapter");
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path f = project.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
        }

        Path repo = tmp.resolve("repo");
        stage(repo, "revokefs-parent", root.resolve("pom.xml"), null);
        for (String module : STAGED) {
            Path m = root.resolve(module);
            stage(repo, module, m.resolve("pom.xml"), jar(m));
        }

        Path settings = tmp.resolve("settings.xml");
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository");
        Files.writeString(settings, """
                <settings>
                  <offline>false</offline>
                  <mirrors>
                    <mirror>
                      <id>reactor-cache</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(m2.toUri()));

        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "verify"));
        Path out = tmp.resolve("mvn.log");
        Process mvn = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertThat(mvn.waitFor(14, TimeUnit.MINUTES)).as("mvn finished").isTrue();
        String log = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(mvn.exitValue()).as("mvn verify of the guide's project:\n%s", log).isZero();

        Path report = project.resolve("target/surefire-reports/org.example.mydev.MyDeviceConformanceTest.txt");
        assertThat(report).as("the conformance test ran").exists();
        String summary = Files.readString(report);
        assertThat(summary).contains("Failures: 0, Errors: 0").doesNotContain("Tests run: 0,");
        Path own = project.resolve("target/surefire-reports/org.example.mydev.MyDeviceUnplugTest.txt");
        assertThat(own).as("the guide's own race test ran").exists();
        assertThat(Files.readString(own)).contains("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0");
    }

    private static Path jar(Path module) {
        Path j = module.resolve("target/" + module.getFileName() + "-" + VERSION + ".jar");
        if (!Files.exists(j)) {
            throw new IllegalStateException(j + " is missing: build with the reactor (mvn -pl cdev-adapter -am verify)");
        }
        return j;
    }

    /** Puts one artifact where a local repository keeps it, as {@code install} would, but here. */
    private static void stage(Path repo, String artifact, Path pom, Path jar) throws IOException {
        Path dir = repo.resolve("io/revokefs/" + artifact + "/" + VERSION);
        Files.createDirectories(dir);
        String base = artifact + "-" + VERSION;
        Files.copy(pom, dir.resolve(base + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
