package io.revokefs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs in a store from the command line: {@code runs}, {@code --run}, a store that gets more
 * runs, and stores that are read, never written (issue 19; issue 18 points 2, 5, 8).
 */
class RunsCommandTest {
    @TempDir
    Path dir;

    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final String PCI = EXAMPLES.resolve("pci-three-views.scenario").toString();
    private static final String PROCFS = EXAMPLES.resolve("procfs.scenario").toString();

    private static void noStackTrace(Cli c) {
        assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("Caused by");
        assertThat(c.out()).doesNotContain("\tat ");
    }

    @Test
    void runsListsEveryRunOfAStoreAndEachCommandChoosesOneWithRun() throws IOException {
        Path store = dir.resolve("shared");
        Cli first = Cli.run("run", PCI, "--store", store.toString(), "--run", "pci");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("store:   " + store + ".mv.db (run pci)");
        Cli second = Cli.run("run", PROCFS, "--store", store.toString());
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).containsPattern("\\(run procfs-\\d{8}-\\d{6}-\\d{3}\\)");

        Cli runs = Cli.run("runs", store.toString());
        assertThat(runs.code()).as(runs.err()).isZero();
        assertThat(runs.out()).contains("RUN").contains("EVENTS").contains("AUDIT")
                .containsPattern("pci +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\d+ +\\d+ +\\d+ +clean")
                .containsPattern("procfs-\\d{8}-\\d{6}-\\d{3} ")
                .contains("2 run(s) in " + store);

        // two runs: audit must be told which
        Cli ambiguous = Cli.run("audit", store.toString());
        assertThat(ambiguous.code()).isEqualTo(2);
        assertThat(ambiguous.err()).contains("holds 2 runs: name one with --run (pci, procfs-");
        noStackTrace(ambiguous);
        Cli audit = Cli.run("audit", store.toString(), "--run", "pci");
        assertThat(audit.code()).as(audit.err()).isZero();
        assertThat(audit.out()).startsWith("clean: ");
        Cli unknown = Cli.run("replay", store.toString(), "--run", "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("holds no run 'nope'; it holds pci, procfs-");
        Cli replay = Cli.run("replay", store.toString(), "--run", "pci", "--object", "sysfs:/devices/pci0000:00/0000:00:02.0/resource0");
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("life 1, revoked");
        Path html = dir.resolve("pci.html");
        Cli report = Cli.run("report", store.toString(), "--run", "pci", "--html", html.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(Files.readString(html)).contains("<svg");
        // the same run's events, whatever else the store holds
        Path log = dir.resolve("pci.jsonl");
        assertThat(Cli.run("run", PCI, "--store", dir.resolve("alone").toString(), "--log", log.toString()).code()).isZero();
        assertThat(Cli.run("audit", log.toString()).out()).isEqualTo(audit.out());
    }

    @Test
    void runOptionsAreCheckedBeforeAnythingRuns() {
        Path store = dir.resolve("s");
        Cli bad = Cli.run("run", PCI, "--store", store.toString(), "--run", "a/b");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--run: bad run id 'a/b'");
        assertThat(Path.of(store + ".mv.db")).doesNotExist();
        Path log = dir.resolve("x.jsonl");
        assertThat(Cli.run("run", PCI, "--store", store.toString(), "--log", log.toString()).code()).isZero();
        Cli onLog = Cli.run("audit", log.toString(), "--run", "x");
        assertThat(onLog.code()).isEqualTo(2);
        assertThat(onLog.err()).contains("is a JSON-lines log, which holds one run");
        Cli runsOfLog = Cli.run("runs", log.toString());
        assertThat(runsOfLog.code()).isEqualTo(2);
        assertThat(runsOfLog.err()).contains("a JSON-lines log holds one run");
    }

    @Test
    void auditDoesNotWriteTheStoreAndReplayAndReportNeither() throws IOException {
        Path store = dir.resolve("s");
        assertThat(Cli.run("run", PCI, "--store", store.toString()).code()).isZero();
        Path file = Path.of(store + ".mv.db");
        byte[] before = Files.readAllBytes(file);
        assertThat(Cli.run("audit", file.toString()).code()).isZero();
        assertThat(Cli.run("replay", store.toString()).code()).isZero();
        assertThat(Cli.run("runs", store.toString()).code()).isZero();
        assertThat(Cli.run("report", store.toString(), "--html", dir.resolve("r.html").toString()).code()).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("s.mv.db", "r.html");
        }
    }

    @Test
    void anEmptyStoreFileOrAMistypedH2UrlIsAnInputErrorNeverClean() throws IOException {
        Path empty = dir.resolve("empty.mv.db");
        Files.createFile(empty);
        Cli c = Cli.run("audit", empty.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("is empty: not a revokefs store");
        assertThat(c.out()).doesNotContain("clean");
        String typo = "jdbc:h2:file:" + dir.resolve("typo").toAbsolutePath();
        Cli t = Cli.run("audit", typo);
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err()).contains("cannot open the store " + typo);
        assertThat(t.out()).doesNotContain("clean");
        noStackTrace(t);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("empty.mv.db");
        }
    }

    @Test
    void storeUnderRegularFileNoStackTraceAndNoTraceFile() throws IOException {
        Path plain = dir.resolve("plain");
        Files.writeString(plain, "a regular file");
        Cli c = Cli.run("run", PCI, "--store", plain.resolve("sub").resolve("s").toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains(plain + " is not a directory");
        noStackTrace(c);
        Cli nul = Cli.run("run", PCI, "--store", "/dev/null/s");
        assertThat(nul.code()).isEqualTo(2);
        assertThat(nul.err()).contains("/dev/null is not a directory");
        noStackTrace(nul);
        Cli audit = Cli.run("audit", plain.resolve("s.mv.db").toString());
        assertThat(audit.code()).isEqualTo(2);
        noStackTrace(audit);
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".trace.db"));
        }
    }

    @Test
    void followNeedsAJdbcUrlAndNothingElse() {
        Cli both = Cli.run("audit", "x.jsonl", "--follow", "jdbc:postgresql://127.0.0.1:1/none");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("give either LOG_OR_STORE or --follow URL");
        Cli file = Cli.run("audit", "--follow", "store.mv.db");
        assertThat(file.code()).isEqualTo(2);
        assertThat(file.err()).contains("give the jdbc: URL of the database");
        Cli down = Cli.run("audit", "--follow", "jdbc:postgresql://127.0.0.1:1/none");
        assertThat(down.code()).isEqualTo(2);
        assertThat(down.err()).contains("jdbc:postgresql://127.0.0.1:1/none");
        noStackTrace(down);
    }

    @Test
    void anObjectIdOver255CharactersIsStoredAndReadBack() throws IOException {
        String path = "/proc/" + "d".repeat(300);
        Path script = dir.resolve("long-id.scenario");
        Files.write(script, java.util.List.of("proc " + path, "process p1", "p1 open " + path + " as f", "p1 close f"));
        Path store = dir.resolve("s");
        Cli run = Cli.run("run", script.toString(), "--store", store.toString());
        assertThat(run.code()).as(run.err()).isZero();
        Cli replay = Cli.run("replay", store.toString(), "--object", "procfs:" + path);
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("procfs:" + path).contains("releases:   file-1=CLOSE");
        assertThat(Cli.run("audit", store.toString()).out()).startsWith("clean: 5 events");
    }
}
