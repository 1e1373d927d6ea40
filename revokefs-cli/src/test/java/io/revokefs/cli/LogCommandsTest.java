package io.revokefs.cli;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.history.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The event-log side of the commands: issue 13 points 7 and 8, issue 18 points 1, 9, 10 and 11.
 */
class LogCommandsTest {
    @TempDir
    Path dir;

    static final String UIO = "uio:/dev/uio0";

    /** A log with only the fields of docs/semantics.md section 7's table, in two lives of one object. */
    static final List<String> SPEC_MINIMAL = List.of(
            "{\"v\":1,\"seq\":1,\"type\":\"ObjectRegistered\",\"object\":\"uio:/dev/uio0\",\"adapter\":\"uio\"}",
            "{\"v\":1,\"seq\":2,\"type\":\"FileOpened\",\"object\":\"uio:/dev/uio0\",\"file\":\"f1\",\"pid\":7}",
            "{\"v\":1,\"seq\":3,\"type\":\"Mmapped\",\"object\":\"uio:/dev/uio0\",\"file\":\"f1\",\"vma\":\"m1\",\"pid\":7,\"pgoff\":0,\"pages\":4}",
            "{\"v\":1,\"seq\":4,\"type\":\"Faulted\",\"object\":\"uio:/dev/uio0\",\"vma\":\"m1\",\"pgoff\":2}",
            "{\"v\":1,\"seq\":5,\"type\":\"VmaDuplicated\",\"object\":\"uio:/dev/uio0\",\"vma\":\"m2\",\"from\":\"m1\",\"pid\":8}",
            "{\"v\":1,\"seq\":6,\"type\":\"RevokeStarted\",\"object\":\"uio:/dev/uio0\",\"cause\":\"unregister\"}",
            "{\"v\":1,\"seq\":7,\"type\":\"RevokeDrained\",\"object\":\"uio:/dev/uio0\",\"waited\":0}",
            "{\"v\":1,\"seq\":8,\"type\":\"MappingsZapped\",\"object\":\"uio:/dev/uio0\",\"vmas\":2,\"ptes\":1}",
            "{\"v\":1,\"seq\":9,\"type\":\"FileReleased\",\"object\":\"uio:/dev/uio0\",\"file\":\"f1\",\"cause\":\"REVOKE\"}",
            "{\"v\":1,\"seq\":10,\"type\":\"RevokeCompleted\",\"object\":\"uio:/dev/uio0\"}",
            "{\"v\":1,\"seq\":11,\"type\":\"ObjectRegistered\",\"object\":\"uio:/dev/uio0\",\"adapter\":\"uio\"}",
            "{\"v\":1,\"seq\":12,\"type\":\"FileOpened\",\"object\":\"uio:/dev/uio0\",\"file\":\"f3\",\"pid\":7}",
            "{\"v\":1,\"seq\":13,\"type\":\"VmaUnmapped\",\"object\":\"uio:/dev/uio0\",\"vma\":\"m1\"}");

    private Path write(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, lines);
        return p;
    }

    private static void noStackTrace(Cli c) {
        assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(c.out()).doesNotContain("\tat ");
    }

    // Issue 13 point 7

    @Test
    void specMinimalLogReadsInAuditReplayAndReport() throws IOException {
        Path log = write("minimal.jsonl", SPEC_MINIMAL);
        Cli audit = Cli.run("audit", log.toString());
        assertThat(audit.code()).as(audit.err()).isZero();
        assertThat(audit.out()).contains("clean: 13 events, no findings");
        Cli replay = Cli.run("replay", log.toString());
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("m2 pages 0x0-0x3 populated none (uio:/dev/uio0)");
        Path html = dir.resolve("minimal.html");
        Cli report = Cli.run("report", log.toString(), "--html", html.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(Files.readString(html)).contains("<svg");
    }

    @Test
    void aMalformedLogIsNotAuditedAtAll() throws IOException {
        // Line 3 is a finding (an open after revoke), line 5 is malformed: nothing is audited.
        Path log = write("bad.jsonl", List.of(SPEC_MINIMAL.get(0), SPEC_MINIMAL.get(5),
                SPEC_MINIMAL.get(1).replace("\"seq\":2", "\"seq\":3"),
                SPEC_MINIMAL.get(6).replace("\"seq\":7", "\"seq\":4"),
                "{\"v\":1,\"seq\":5,\"type\":\"FileClosed\",\"object\":\"uio:/dev/uio0\"}"));
        Cli audit = Cli.run("audit", log.toString());
        assertThat(audit.code()).isEqualTo(2);
        assertThat(audit.out()).isEmpty();
        assertThat(audit.err()).contains("line 5: missing required field 'file' of FileClosed");
        noStackTrace(audit);
        Cli replay = Cli.run("replay", log.toString());
        assertThat(replay.code()).isEqualTo(2);
        assertThat(replay.out()).isEmpty();
        // Without line 5 the same log has its finding.
        Path good = write("good.jsonl", Files.readAllLines(log).subList(0, 4));
        assertThat(Cli.run("audit", good.toString()).out()).contains("NO_ENTRY_AFTER_REVOKE seq=3 object=uio:/dev/uio0:");
    }

    // Issue 13 point 8

    @Test
    void replayNamesEachLifeAndKeepsEachLifesFilesAndVmas() throws IOException {
        Path log = write("lives.jsonl", SPEC_MINIMAL.subList(0, 12));
        Cli replay = Cli.run("replay", log.toString());
        assertThat(replay.code()).as(replay.err()).isZero();
        String out = replay.out();
        assertThat(out).contains("uio:/dev/uio0  [uio, life 1, revoked]").contains("uio:/dev/uio0  [uio, life 2, live]");
        String life1 = out.substring(out.indexOf("life 1, revoked"), out.indexOf("life 2, live"));
        String life2 = out.substring(out.indexOf("life 2, live"));
        // f1, m1 and m2 are still open and mapped: they belong to life 1, whose block shows them; life 2
        // has f3 only.
        assertThat(life1).contains("open files: f1").contains("releases:   f1=REVOKE").contains("m1 pages").contains("m2 pages");
        assertThat(life2).contains("open files: f3").contains("releases:   none").contains("vmas:       none")
                .doesNotContain("m1").doesNotContain("f1");
    }

    // Issue 18 point 1

    /** A run of {@code iterations} open/read/close rounds on a procfs entry: 1 + 3 events each. */
    private Path longScript(String name, int iterations) throws IOException {
        List<String> lines = new ArrayList<>(List.of("proc /proc/driver/demo", "process p1"));
        for (int i = 0; i < iterations; i++) {
            lines.add("p1 open /proc/driver/demo as f" + i);
            lines.add("p1 read f" + i);
            lines.add("p1 close f" + i);
        }
        return write(name, lines);
    }

    @Test
    void killedRunLeavesLogPrefixOfTheRunAndNoStaleLogOrTmp() throws Exception {
        int iterations = 40_000;
        Path script = longScript("long.scenario", iterations);
        Path log = dir.resolve("run.jsonl");
        // A log of an earlier run: it must not survive as if it were this run's.
        Files.write(log, List.of("{\"v\":1,\"seq\":1,\"type\":\"ObjectRegistered\",\"object\":\"stale:earlier-run\",\"adapter\":\"x\"}"));
        Path stderr = dir.resolve("child.err");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", script.toString(), "--store", dir.resolve("store").toString(), "--log", log.toString())
                .redirectError(stderr.toFile()).redirectOutput(dir.resolve("child.out").toFile()).start();
        try {
            // Wait for several batches of the store (500 events each) to reach the log, then kill -9.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (Files.size(log) < 4 * RunCommand.BATCH * 100L && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(child.isAlive()).as("the run is still going when killed; stderr: %s", Files.readString(stderr)).isTrue();
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).isEqualTo(137);
        byte[] bytes = Files.readAllBytes(log);
        boolean cut = bytes.length > 0 && bytes[bytes.length - 1] != '\n';
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("stale:earlier-run");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }

        // The complete lines are a prefix of the run: the same events as a run of the same script.
        List<RecordedEvent> prefix = new ArrayList<>();
        try (JsonLines.LogReader reader = JsonLines.open(log, true)) {
            reader.forEachRemaining(prefix::add);
            assertThat(reader.cutTailLine()).isEqualTo(cut ? prefix.size() + 1 : 0);
        }
        // Whole batches reached the file while the run went on; the run was far from its end.
        assertThat(prefix.size()).isGreaterThanOrEqualTo(2 * RunCommand.BATCH).isLessThan(1 + 3 * iterations);
        for (int i = 0; i < prefix.size(); i++) {
            assertThat(prefix.get(i).seq()).isEqualTo(i + 1);
        }
        Path shorter = longScript("short.scenario", prefix.size() / 3 + 1);
        Path reference = dir.resolve("reference.jsonl");
        Cli ref = Cli.run("run", shorter.toString(), "--store", dir.resolve("ref").toString(), "--log", reference.toString());
        assertThat(ref.code()).as(ref.err()).isZero();
        List<RevokeEvent> expected = JsonLines.readAll(reference).stream().map(RecordedEvent::event).toList()
                .subList(0, prefix.size());
        assertThat(prefix.stream().map(RecordedEvent::event).toList()).isEqualTo(expected);

        // audit names a cut tail and audits the complete prefix with --prefix.
        Cli whole = Cli.run("audit", log.toString());
        Cli withPrefix = Cli.run("audit", log.toString(), "--prefix");
        assertThat(withPrefix.code()).as(withPrefix.err()).isZero();
        assertThat(withPrefix.out()).contains("clean: " + prefix.size() + " events");
        if (cut) {
            assertThat(whole.code()).isEqualTo(2);
            assertThat(whole.err()).contains("line " + (prefix.size() + 1) + ": cut tail").contains("--prefix");
            assertThat(withPrefix.out()).contains("prefix: line " + (prefix.size() + 1) + " is cut");
        } else {
            assertThat(whole.code()).isZero();
        }
    }

    @Test
    void aCutLastLineIsACutTailAndPrefixAuditsTheLinesBeforeIt() throws IOException {
        Path log = write("cut.jsonl", SPEC_MINIMAL);
        byte[] bytes = Files.readAllBytes(log);
        Files.write(log, java.util.Arrays.copyOf(bytes, bytes.length - 20));
        Cli audit = Cli.run("audit", log.toString());
        assertThat(audit.code()).isEqualTo(2);
        assertThat(audit.out()).isEmpty();
        assertThat(audit.err()).contains("line 13: cut tail").contains("(--prefix reads the complete lines before it)");
        noStackTrace(audit);
        Cli prefix = Cli.run("audit", log.toString(), "--prefix");
        assertThat(prefix.code()).isZero();
        assertThat(prefix.out()).contains("prefix: line 13 is cut").contains("clean: 12 events");
        Cli replay = Cli.run("replay", log.toString(), "--prefix");
        assertThat(replay.code()).isZero();
        assertThat(replay.out()).contains("state after seq 12");
    }

    // Issue 18 point 11

    @Test
    void aLogPathThatCannotBeWrittenIsFoundBeforeTheRun() throws IOException {
        Path script = write("fails.scenario", List.of("proc /proc/driver/demo", "process p1",
                "p1 open /proc/driver/demo as f", "p1 read f expect=ENODEV"));
        Path file = write("plain.txt", List.of("x"));
        for (Path bad : List.of(file.resolve("under-a-file.jsonl"), dir)) {
            Path store = dir.resolve("st" + System.nanoTime());
            Cli c = Cli.run("run", script.toString(), "--store", store.toString(), "--log", bad.toString());
            assertThat(c.code()).as(c.err()).isEqualTo(2);
            assertThat(c.err()).contains("--log " + bad);
            assertThat(c.err()).doesNotContain("fails.scenario:4");
            assertThat(c.out()).doesNotContain("ran ");
            assertThat(Path.of(store + ".mv.db")).doesNotExist();
            noStackTrace(c);
        }
    }

    @Test
    void outputsOverTheirOwnInputsAreRefused() throws IOException {
        Path log = write("x.jsonl", SPEC_MINIMAL);
        Cli report = Cli.run("report", log.toString(), "--html", log.toString());
        assertThat(report.code()).isEqualTo(2);
        assertThat(report.err()).contains("--html " + log + " is the log").contains("would destroy it");
        assertThat(Files.readAllLines(log)).isEqualTo(SPEC_MINIMAL);
        Path script = write("s.scenario", List.of("proc /proc/driver/demo"));
        Cli run = Cli.run("run", script.toString(), "--store", dir.resolve("st").toString(), "--log", script.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--log " + script + " is the script");
        assertThat(Files.readAllLines(script)).containsExactly("proc /proc/driver/demo");
        Cli html = Cli.run("run", script.toString(), "--store", dir.resolve("st2").toString(),
                "--html", dir.resolve("./s.scenario").toString());
        assertThat(html.code()).isEqualTo(2);
        assertThat(Files.readAllLines(script)).containsExactly("proc /proc/driver/demo");
    }

    @Test
    void theLogIsCreatedHonouringTheUmask() throws Exception {
        Path script = write("s.scenario", List.of("proc /proc/driver/demo"));
        Path log = dir.resolve("u.jsonl");
        assertThat(Cli.run("run", script.toString(), "--store", dir.resolve("st").toString(), "--log", log.toString()).code()).isZero();
        Path touched = dir.resolve("touched");
        assertThat(new ProcessBuilder("touch", touched.toString()).start().waitFor()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log)))
                .isEqualTo(PosixFilePermissions.toString(Files.getPosixFilePermissions(touched)));
    }

    @Test
    void aHugeRunsSummaryIsFolded() throws IOException {
        List<String> lines = new ArrayList<>();
        int n = RunCommand.SUMMARY_LINES + 7;
        for (int i = 0; i < n; i++) {
            lines.add("proc /proc/driver/d" + i);
            lines.add("remove_proc_entry /proc/driver/d" + i);
        }
        Path script = write("many.scenario", lines);
        Cli c = Cli.run("run", script.toString(), "--store", dir.resolve("st").toString());
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out().lines().filter(l -> l.startsWith("  revoked "))).hasSize(RunCommand.SUMMARY_LINES);
        assertThat(c.out()).contains("  ... and 7 more revoked (replay lists them all)");
    }

    @Test
    void auditOfADirectorySaysItIsADirectory() {
        for (String cmd : List.of("audit", "replay")) {
            Cli c = Cli.run(cmd, dir.toString());
            assertThat(c.code()).isEqualTo(2);
            assertThat(c.err()).contains(dir + ": is a directory, not a log file or store");
        }
    }
}
