package io.revokefs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile script input (issue 18 points 3, 4, 6, 7, 11): each probe as a test. Bad input is refused
 * whole, before anything runs, naming script:line, with no stack trace.
 */
class ScriptInputTest {
    @TempDir
    Path dir;

    private Path script(String... lines) throws IOException {
        return Cli.script(dir, lines);
    }

    private Path store;

    private Cli run(Path... scripts) {
        store = dir.resolve("store" + System.nanoTime());
        String[] args = new String[scripts.length + 3];
        args[0] = "run";
        for (int i = 0; i < scripts.length; i++) {
            args[i + 1] = scripts[i].toString();
        }
        args[scripts.length + 1] = "--store";
        args[scripts.length + 2] = store.toString();
        return Cli.run(args);
    }

    private void refusedBeforeAnythingRan(Cli c, String message) {
        assertThat(c.code()).as(c.out() + c.err()).isEqualTo(Main.BAD_INPUT);
        assertThat(c.err()).contains(message);
        assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(c.out()).doesNotContain("ran ");
        assertThat(Path.of(store + ".mv.db")).doesNotExist(); // no store opened, no event committed
    }

    private static final String[] UNPLUG_FIRST = {
        "pci 0000:00:02.0 bar0=4",
        "process p1",
        "p1 open /sys/bus/pci/devices/0000:00:02.0/resource0 as f",
        "p1 mmap f pages=1 as v",
        "remove 0000:00:02.0",
        "p1 load v page=0 expect=SIGBUS",
    };

    @Test
    void unknownNameFoundBeforeAnythingRunsEvenAfterAHotUnplugLine() throws IOException {
        String[] lines = java.util.Arrays.copyOf(UNPLUG_FIRST, 7);
        lines[6] = "p1 read nosuch";
        Path s = script(lines);
        refusedBeforeAnythingRan(run(s), s + ":7: no open file named 'nosuch'");
    }

    @Test
    void unknownNameFoundBeforeAnythingRunsInTheSecondOfTwoScripts() throws IOException {
        Path first = script(UNPLUG_FIRST);
        Path second = script("p1 close f", "unregister uio7");
        refusedBeforeAnythingRan(run(first, second), second + ":2: no uio device named 'uio7'");
    }

    @Test
    void unknownOptionValueFoundBeforeAnythingRuns() throws IOException {
        Path s = script("process p1", "p1 open /dev/mem as m", "p1 mmap m pages=1 offset=0x80000 prot=rx as v");
        refusedBeforeAnythingRan(run(s), s + ":3: prot must be rw or ro, got 'rx'");
    }

    @Test
    void uidOutOfRangeRefusedNotWrappedToRoot() throws IOException {
        Path s = script("process p9 uid=4294967296", "p9 open /dev/mem as m");
        refusedBeforeAnythingRan(run(s), s + ":1: uid: 4294967296 is out of range (0 to 0xfffffffe)");
        Path invalid = script("process p9 uid=4294967295");
        refusedBeforeAnythingRan(run(invalid), invalid + ":1: uid: 4294967295 is out of range");
        // The largest valid uid is an ordinary user: /dev/mem (0640, root) is refused.
        Path ok = script("process p9 uid=4294967294", "p9 open /dev/mem as m expect=EACCES");
        assertThat(run(ok).code()).isZero();
    }

    @Test
    void munmapOffsetOutOfRangeRefusedNotWrappedToPageZero() throws IOException {
        Path s = script("process p1", "p1 open /dev/mem as m", "p1 mmap m pages=2 offset=0x80000 as v",
                "p1 munmap v offset=4503599627370496 pages=1");
        refusedBeforeAnythingRan(run(s), s + ":4: offset: 4503599627370496 is out of range (0 to 0x7ffffffff)");
    }

    @Test
    void barPlacementOutOfRangeRefusedNotWrappedOrAutoPlaced() throws IOException {
        Path wrap = script("pci 0000:00:02.0 bar0=16@0x7ffffffffffffff8");
        refusedBeforeAnythingRan(run(wrap), wrap + ":1: bar0 first page: 0x7ffffffffffffff8 is out of range");
        Path minus = script("pci 0000:00:02.0 bar0=16@-1");
        refusedBeforeAnythingRan(run(minus), minus + ":1: bar0 first page: -1 is out of range");
        Path minus5 = script("pci 0000:00:02.0 bar0=16@-5");
        refusedBeforeAnythingRan(run(minus5), minus5 + ":1: bar0 first page: -5 is out of range");
    }

    @Test
    void countOutOfRangeRefusedAndALargeCountIsNotWrapped() throws IOException {
        Path past = script("proc /proc/driver/demo", "process p1", "p1 open /proc/driver/demo as f",
                "p1 read f count=18446744073709551616");
        refusedBeforeAnythingRan(run(past), past + ":4: count: 18446744073709551616 is out of range");
        Path big = script("proc /proc/driver/demo", "process p1", "p1 open /proc/driver/demo as f",
                "p1 read f count=4294967297", "p1 read f count=-1 expect=EINVAL");
        refusedBeforeAnythingRan(run(big), big + ":5: count: -1 is out of range");
    }

    @Test
    void readWaitTrueIsTheWaitingReadAndTakesNoCount() throws IOException {
        Path both = script("cdev foo", "process p1", "p1 open /dev/foo as f", "p1 read f wait=true count=8");
        refusedBeforeAnythingRan(run(both), both + ":4: read takes wait=true or count=N, not both (wait=true is the 4-byte waiting read)");
        // wait=true sleeps until the next event: the event raised after it starts is what it returns.
        Path waits = script("cdev foo", "process p1", "p1 open /dev/foo as f",
                "p1 read f wait=true async=true as r", "event foo", "wait r expect=ok", "unplug foo");
        Cli c = run(waits);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("audit:   clean");
    }

    @Test
    @Timeout(30)
    void hugeMmapRefusedWithEnomemPastTheAddressSpace() throws IOException {
        Path s = script("pci 0000:00:02.0 bar0=16@0x80000", "process p1",
                "p1 open /sys/bus/pci/devices/0000:00:02.0/resource0 as f",
                "p1 mmap f pages=0xfffffffffffff expect=ENOMEM",
                "p1 open /dev/mem as m",
                "p1 mmap m pages=1000000000000 offset=0x80000 expect=ENOMEM",
                "p1 mmap m pages=16 offset=0x80000 as v",
                "p1 load v page=15");
        Cli c = run(s);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("audit:   clean");
        // A length no size_t can hold is not a length at all.
        Path past = script("process p1", "p1 open /dev/mem as m", "p1 mmap m pages=0x7fffffffffffffff offset=0x80000 expect=ENOMEM");
        refusedBeforeAnythingRan(run(past), past + ":3: pages: 0x7fffffffffffffff is out of range (0 to 0xfffffffffffff)");
    }

    @Test
    void aLineExpectedToFailNeedsNoNameAndAlternativesAreAccepted() throws IOException {
        Path s = script("proc /proc/driver/demo", "process p1", "p1 open /dev/nosuch expect=ENOENT",
                "p1 open /proc/driver/demo as f", "p1 read f expect=ok,EIO", "remove_proc_entry /proc/driver/demo",
                "p1 read f expect=ok,EIO", "p1 poll f expect=EIO,POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM");
        Cli c = run(s);
        assertThat(c.code()).as(c.err()).isZero();
        Path wrong = script("process p1", "p1 open /dev/nosuch expect=ok,ENOENT");
        refusedBeforeAnythingRan(run(wrong), wrong + ":2: 'open' needs 'as NAME'");
    }

    @Test
    void utf8ByteOrderMarkIsNotPartOfTheFirstVerb() throws IOException {
        Path s = dir.resolve("bom.scenario");
        Files.write(s, ("\uFEFFprocess p1\np1 open /dev/mem as m\n").getBytes(StandardCharsets.UTF_8));
        Cli c = run(s);
        assertThat(c.code()).as(c.err()).isZero();
    }

    @Test
    void binaryScriptIsRefusedWithItsLine() throws IOException {
        Path nul = dir.resolve("nul.scenario");
        Files.write(nul, new byte[] {'p', 'r', 'o', 'c', 'e', 's', 's', ' ', 'p', '1', '\n', 0, 1, 2, 3, '\n'});
        refusedBeforeAnythingRan(run(nul), nul + ":2: character U+0000 at column 1: a script is text");
        Path latin = dir.resolve("latin1.scenario");
        Files.write(latin, new byte[] {'#', ' ', 'o', 'k', '\n', 'p', (byte) 0xE9, '\n'});
        refusedBeforeAnythingRan(run(latin), latin + ":2: not UTF-8 text");
    }

    @Test
    void aMegabyteLineIsNotEchoedWhole() throws IOException {
        Path s = script("process p1", "p1 open " + "x".repeat(1 << 20) + " as");
        Cli c = run(s);
        refusedBeforeAnythingRan(c, s + ":2: 'as' needs a name");
        assertThat(c.err().length()).isLessThan(2000);
        assertThat(c.err()).contains("(1048587 characters)");
    }
}
