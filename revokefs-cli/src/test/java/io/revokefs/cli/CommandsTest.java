package io.revokefs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every subcommand: success, its exit codes, and bad input (missing file, unreadable store,
 * malformed script and log, unknown verb), each with a clear message and no stack trace.
 */
class CommandsTest {
    @TempDir
    Path dir;

    private static final Path EXAMPLES = Path.of("..", "examples");

    private Path script(String... lines) throws IOException {
        Path p = dir.resolve("s" + System.nanoTime() + ".scenario");
        Files.write(p, List.of(lines));
        return p;
    }

    private static void noStackTrace(Cli c) {
        assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception:").doesNotContain("Caused by");
        assertThat(c.out()).doesNotContain("\tat ");
    }

    @Test
    void everyBundledExampleRunsCleanAndWritesItsLogAndReport() throws IOException {
        try (var files = Files.list(EXAMPLES)) {
            List<Path> examples = files.filter(f -> f.toString().endsWith(".scenario")).sorted().toList();
            assertThat(examples).hasSizeGreaterThanOrEqualTo(5);
            for (Path ex : examples) {
                Path log = dir.resolve(ex.getFileName() + ".jsonl");
                Path html = dir.resolve(ex.getFileName() + ".html");
                Cli c = Cli.run("run", ex.toString(), "--store", dir.resolve(ex.getFileName() + ".store").toString(),
                        "--log", log.toString(), "--html", html.toString());
                assertThat(c.code()).as(ex + ": " + c.err()).isZero();
                assertThat(c.out()).contains("audit:   clean").contains("ran ");
                assertThat(log).isNotEmptyFile();
                assertThat(Files.readString(html)).contains("<svg");
            }
        }
    }

    @Test
    void runRecordsIntoTheStoreAndAuditReplayAndReportReadIt() throws IOException {
        Path store = dir.resolve("run");
        Cli run = Cli.run("run", EXAMPLES.resolve("pci-three-views.scenario").toString(), "--store", store.toString());
        assertThat(run.code()).isZero();
        assertThat(dir.resolve("run.mv.db")).exists();

        Cli audit = Cli.run("audit", store + ".mv.db");
        assertThat(audit.code()).isZero();
        assertThat(audit.out()).contains("clean: 51 events");

        Cli replay = Cli.run("replay", store.toString(), "--object", "sysfs:/devices/pci0000:00/0000:00:02.0/resource0");
        assertThat(replay.code()).isZero();
        assertThat(replay.out()).contains("life 1, revoked").contains("file-1=REVOKE").contains("populated none");

        Path html = dir.resolve("r.html");
        Cli report = Cli.run("report", store.toString(), "--html", html.toString());
        assertThat(report.code()).isZero();
        assertThat(Files.readString(html)).contains("revoke-band");
    }

    @Test
    void replayUntilASeqShowsTheStateBeforeTheRevoke() throws IOException {
        Path log = dir.resolve("l.jsonl");
        assertThat(Cli.run("run", EXAMPLES.resolve("procfs.scenario").toString(), "--store", dir.resolve("s").toString(),
                "--log", log.toString()).code()).isZero();
        Cli before = Cli.run("replay", log.toString(), "--until", "3");
        assertThat(before.out()).contains("state after seq 3").contains("procfs:/proc/driver/demo  [procfs, life 1, live]");
        Cli after = Cli.run("replay", log.toString());
        assertThat(after.out()).contains("procfs:/proc/driver/demo  [procfs, life 1, revoked]");
        Cli unknown = Cli.run("replay", log.toString(), "--object", "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no object 'nope'");
    }

    @Test
    void anUnmetExpectExitsOneNamingScriptAndLineAndKeepsWhatRan() throws IOException {
        Path s = script("process p1", "proc /proc/x", "p1 open /proc/x as f", "p1 read f expect=EIO", "p1 close f");
        Path log = dir.resolve("partial.jsonl");
        Cli c = Cli.run("run", s.toString(), "--store", dir.resolve("st").toString(), "--log", log.toString());
        assertThat(c.code()).isEqualTo(1);
        assertThat(c.err()).contains(s + ":4: expected EIO, got ok");
        noStackTrace(c);
        assertThat(Files.readAllLines(log)).isNotEmpty(); // the events up to the failure are kept
    }

    @Test
    void aMalformedScriptExitsTwoAndRunsNothing() throws IOException {
        Path s = script("process p1", "p1 opne /dev/mem as f");
        Path store = dir.resolve("never");
        Cli c = Cli.run("run", s.toString(), "--store", store.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains(s + ":2: unknown verb: 'p1' is not a global verb and 'opne' is not a process verb");
        noStackTrace(c);
        assertThat(dir.resolve("never.mv.db")).doesNotExist();
    }

    @Test
    void badLinesAreNamedPrecisely() throws IOException {
        assertThat(Cli.run("run", script("frobnicate all").toString(), "--store", dir.resolve("a").toString()).err())
                .contains(":1: unknown verb: 'frobnicate' is not a global verb");
        assertThat(Cli.run("run", script("process p1", "p1 mmap f0 pages=x as v").toString(), "--store", dir.resolve("b").toString()).err())
                .contains(":2: no open file named 'f0'");
        assertThat(Cli.run("run", script("process p1", "p1 read f0 expect=EWHAT").toString(), "--store", dir.resolve("c").toString()).err())
                .contains(":2: expect=EWHAT is not ok, an errno name");
        assertThat(Cli.run("run", script("pci 0000:00:02.0").toString(), "--store", dir.resolve("d").toString()).err())
                .contains(":1: a PCI device needs at least one BAR");
        assertThat(Cli.run("run", script("p1 load v1").toString(), "--store", dir.resolve("e").toString()).err())
                .contains(":1: no process named 'p1'");
    }

    @Test
    void aSleepNothingWillEndIsReportedNotHung() throws IOException {
        Path s = script("uio uio0 maps=1", "process p1", "p1 open /dev/uio0 as f", "p1 read f count=4");
        Cli c = Cli.run("run", s.toString(), "--store", dir.resolve("u").toString());
        assertThat(c.code()).isEqualTo(1);
        assertThat(c.err()).contains(":4: still blocked").contains("async=true");
    }

    @Test
    void aMissingScriptOrLogOrStoreExitsTwoWithAClearMessage() {
        Cli run = Cli.run("run", dir.resolve("absent.scenario").toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("cannot read script").contains("absent.scenario");
        noStackTrace(run);
        for (String cmd : List.of("audit", "replay")) {
            Cli c = Cli.run(cmd, dir.resolve("absent.jsonl").toString());
            assertThat(c.code()).isEqualTo(2);
            assertThat(c.err()).contains("absent.jsonl: no such log file or store");
            noStackTrace(c);
        }
        Cli report = Cli.run("report", dir.resolve("absent.jsonl").toString(), "--html", dir.resolve("x.html").toString());
        assertThat(report.code()).isEqualTo(2);
    }

    @Test
    void anUnreadableStoreExitsTwo() throws IOException {
        Path bogus = dir.resolve("bogus.mv.db");
        Files.writeString(bogus, "this is not an H2 database");
        Cli c = Cli.run("audit", bogus.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("cannot open the store " + bogus);
        noStackTrace(c);
        Cli jdbc = Cli.run("audit", "jdbc:postgresql://127.0.0.1:1/none");
        assertThat(jdbc.code()).isEqualTo(2);
        assertThat(jdbc.err()).contains("cannot open the store jdbc:postgresql://127.0.0.1:1/none");
        noStackTrace(jdbc);
    }

    @Test
    void aMalformedLogExitsTwoNamingTheLine() throws IOException {
        Path log = dir.resolve("bad.jsonl");
        Files.write(log, List.of("{\"v\":1,\"seq\":1,\"type\":\"ObjectRegistered\",\"object\":\"x\",\"adapter\":\"test\"}",
                "{\"v\":1,\"seq\":2,\"type\":\"NoSuchEvent\",\"object\":\"x\"}"));
        for (String cmd : List.of("audit", "replay")) {
            Cli c = Cli.run(cmd, log.toString());
            assertThat(c.code()).isEqualTo(2);
            assertThat(c.err()).contains("line 2").contains("NoSuchEvent");
            noStackTrace(c);
        }
    }

    @Test
    void auditExitsOneWithOneLinePerFinding() throws IOException {
        Path log = dir.resolve("findings.jsonl");
        Files.write(log, List.of(
                "{\"v\":1,\"seq\":1,\"type\":\"ObjectRegistered\",\"object\":\"x\",\"adapter\":\"test\"}",
                "{\"v\":1,\"seq\":2,\"type\":\"RevokeStarted\",\"object\":\"x\",\"cause\":\"test\"}",
                "{\"v\":1,\"seq\":3,\"type\":\"FileOpened\",\"object\":\"x\",\"file\":\"file-1\",\"pid\":1}",
                "{\"v\":1,\"seq\":5,\"type\":\"RevokeDrained\",\"object\":\"x\",\"waited\":0}"));
        Cli c = Cli.run("audit", log.toString());
        assertThat(c.code()).isEqualTo(1);
        assertThat(c.out()).contains("NO_ENTRY_AFTER_REVOKE seq=3 object=x:").contains("SEQ_CONTIGUOUS seq=5 object=x:");
    }

    @Test
    void anExistingStoreGetsAnotherRunAndARunNameTakenIsRefused() {
        Path store = dir.resolve("twice");
        String ex = EXAMPLES.resolve("procfs.scenario").toString();
        assertThat(Cli.run("run", ex, "--store", store.toString(), "--run", "one").code()).isZero();
        assertThat(Cli.run("run", ex, "--store", store.toString()).code()).isZero();
        Cli again = Cli.run("run", ex, "--store", store.toString(), "--run", "one");
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already holds a run 'one': name another");
        noStackTrace(again);
    }

    @Test
    void helpAndVersionWork() {
        assertThat(Cli.run("--version").out()).startsWith("revokefs ");
        for (String cmd : List.of("run", "runs", "audit", "replay", "report", "explore", "fuzz")) {
            Cli c = Cli.run(cmd, "--help");
            assertThat(c.code()).isZero();
            assertThat(c.out()).contains("Usage: revokefs " + cmd);
            // The layout at 80 and 110 columns, and that no description is cut: HelpTest.
        }
        assertThat(Cli.run("nosuchcommand").code()).isEqualTo(2);
    }

    @Test
    void fuzzRunsCleanScenariosAndNamesTheSeedRange() {
        Cli c = Cli.run("fuzz", "--seed", "7", "--count", "50", "--steps", "30", "--save", dir.toString());
        assertThat(c.code()).isZero();
        assertThat(c.out()).contains("50 scenarios (seeds 7..56");
    }
}
