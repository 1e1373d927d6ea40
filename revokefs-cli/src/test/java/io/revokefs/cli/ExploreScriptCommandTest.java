package io.revokefs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code revokefs explore SCRIPT} and {@code run} of together blocks (issue 12); --replay's usage errors (issue 18 point 7). */
class ExploreScriptCommandTest {
    @TempDir
    Path dir;

    private Path script(String... lines) throws IOException {
        return Cli.script(dir, lines);
    }

    private static void noStackTrace(Cli c) {
        assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(c.out()).doesNotContain("\tat ");
    }

    private static final String[] RACE = {
        "proc /proc/driver/demo",
        "process p1",
        "process p2",
        "p1 open /proc/driver/demo as f",
        "together",
        "  p1 read f expect=ok,EIO",
        "  p2 open /proc/driver/demo as g expect=ok,ENOENT",
        "  remove_proc_entry /proc/driver/demo",
        "end",
        "p1 read f expect=EIO",
    };

    @Test
    void aScriptWhoseBlockCannotFailPassesInEverySchedule() throws IOException {
        Cli c = Cli.run("explore", script(RACE).toString());
        assertThat(c.code()).as(c.out() + c.err()).isZero();
        assertThat(c.out()).contains(":6 schedules=").contains("exhaustive=true").contains("violations=0");
        assertThat(c.out()).contains("[0] p1 read f expect=ok,EIO");
    }

    @Test
    void anExpectSomeInterleavingsBreakIsCaughtPrintedAndReplayed() throws IOException {
        String[] broken = RACE.clone();
        broken[5] = "  p1 read f expect=ok";
        Path s = script(broken);
        Cli c = Cli.run("explore", s.toString());
        assertThat(c.code()).as(c.out() + c.err()).isEqualTo(Main.FINDINGS);
        assertThat(c.out()).contains(s + ":6: expected ok, got EIO").contains("violations=1");
        Matcher m = Pattern.compile("schedule=(\\S+)").matcher(c.out());
        assertThat(m.find()).isTrue();
        Cli again = Cli.run("explore", s.toString(), "--replay", m.group(1));
        assertThat(again.code()).isEqualTo(Main.FINDINGS);
        assertThat(again.out()).contains(s + ":6: expected ok, got EIO");
        noStackTrace(again);
    }

    @Test
    void aLineBeforeTheBlockThatFailsItsExpectIsReportedNotThrown() throws IOException {
        String[] broken = RACE.clone();
        broken[3] = "p1 open /proc/driver/demo as f expect=ENOENT";
        Path s = script(broken);
        Cli c = Cli.run("explore", s.toString());
        assertThat(c.code()).as(c.out() + c.err()).isEqualTo(Main.FINDINGS);
        assertThat(c.out()).contains("before the block: " + s + ":4: expected ENOENT, got ok");
        noStackTrace(c);
    }

    @Test
    void runRunsTheBlockOnceOnRealThreads() throws IOException {
        Cli c = Cli.run("run", script(RACE).toString(), "--store", dir.resolve("st").toString());
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("ran 8 steps").contains("audit:   clean");
    }

    @Test
    void malformedBlocksAreRefusedBeforeAnythingRuns() throws IOException {
        Path nested = script("process p1", "together", "together", "end", "end");
        Cli c = Cli.run("explore", nested.toString());
        assertThat(c.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(c.err()).contains(nested + ":3: 'together' inside the together block of line 2");
        Path open = script("process p1", "together", "  p1 exit");
        assertThat(Cli.run("explore", open.toString()).err()).contains(open + ":2: 'together' without 'end'");
        Path sameBlock = script("process p1", "together", "  p1 open /dev/mem as m", "  p1 close m", "end");
        Cli c2 = Cli.run("run", sameBlock.toString(), "--store", dir.resolve("x").toString());
        assertThat(c2.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(c2.err()).contains(sameBlock + ":4: 'm' is made by " + sameBlock + ":3 in the same together block");
        Path none = script("process p1");
        assertThat(Cli.run("explore", none.toString()).err()).contains("no together block to explore");
        noStackTrace(c);
    }

    @Test
    @Timeout(30)
    void replayOfAHugeCountIsAUsageErrorNotAnOutOfMemory() {
        Cli c = Cli.run("explore", "R05", "--replay", "0x2147483647");
        assertThat(c.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(c.err()).contains("--replay: schedule 0x2147483647 has more than 5000 decisions");
        noStackTrace(c);
    }

    @Test
    void replayOfAThreadThatDoesNotExistIsAUsageErrorNotAViolation() {
        Cli c = Cli.run("explore", "R05", "--replay", "99x99");
        assertThat(c.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(c.err()).contains("--replay: schedule element '99x99': there is no thread 99 (threads 0 to 1)");
        noStackTrace(c);
        Cli junk = Cli.run("explore", "R05", "--replay", "0x-1");
        assertThat(junk.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(junk.err()).contains("bad schedule element '0x-1'");
    }
}
