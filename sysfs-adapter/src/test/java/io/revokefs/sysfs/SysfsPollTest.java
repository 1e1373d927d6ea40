package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.core.testing.Async;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Poll of sysfs files, {@code kernfs_generic_poll}: read, then poll for POLLPRI until the driver's
 * {@code sysfs_notify}; the removal wakes a poller with the kernfs post-revoke mask (R19).
 */
class SysfsPollTest {
    private static final Set<PollBit> CHANGED = PollBit.union(PollBit.DEFAULT_POLLMASK, PollBit.POLLERR, PollBit.POLLPRI);
    private static final String PATH = "/devices/platform/foo/value";

    private final PciWorld w = new PciWorld();
    private final AtomicLong value = new AtomicLong(1);
    private final SysfsFile file;

    SysfsPollTest() {
        w.sysfs.mkdir("/devices/platform");
        w.sysfs.mkdir("/devices/platform/foo");
        file = w.sysfs.createFile(PATH, 0644, new Attribute() {
            @Override
            public Result<String> show() {
                return Result.ok(value.get() + "\n");
            }
        });
    }

    private static String text(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void change() {
        value.incrementAndGet();
        assertThat(w.sysfs.sysfsNotify(PATH).isOk()).isTrue();
    }

    @Test
    void anAttributeNotReadSinceOpenPollsAsChangedAndAReadMakesItQuiet() {
        Process p = w.root();
        OpenFile f = PciWorld.open(p, "/sys" + PATH);
        // of->event is 0 at open, the node's counter starts at 1: news until the first read.
        assertThat(p.poll(f).value()).isEqualTo(CHANGED);
        assertThat(p.read(f, 64).isOk()).isTrue();
        assertThat(p.poll(f).value()).isEqualTo(PollBit.DEFAULT_POLLMASK);
        change();
        assertThat(p.poll(f).value()).isEqualTo(CHANGED);
        f.setPosition(0); // userspace seeks to 0 and reads again
        assertThat(p.read(f, 64).isOk()).isTrue();
        assertThat(p.poll(f).value()).isEqualTo(PollBit.DEFAULT_POLLMASK);
    }

    @Test
    void aReadAtEndOfFileNeitherShowsNorMarksTheValueSeenOnlyAReadFromZeroDoes() {
        // seq_read_iter: a read going on from m->read_pos copies what is left of the buffer, then
        // kernfs_seq_start (single_open's rule) returns NULL past index 0: end of file, no ->show,
        // so kernfs_seq_show never sets of->event. A read at position 0 resets the iterator and shows.
        Process p = w.root();
        OpenFile f = PciWorld.open(p, "/sys" + PATH);
        byte[] first = p.read(f, 64).value();
        assertThat(first).isNotEmpty();
        change();
        assertThat(p.read(f, 64).value()).as("end of file").isEmpty();
        assertThat(p.poll(f).value()).as("the read at end of file did not see the change").isEqualTo(CHANGED);
        f.setPosition(0);
        assertThat(p.read(f, 64).value()).isNotEmpty();
        assertThat(p.poll(f).value()).isEqualTo(PollBit.DEFAULT_POLLMASK);
    }

    @Test
    void aShortReadGoesOnInTheTextTheFirstShowRenderedNotInANewOne() {
        Process p = w.root();
        OpenFile f = PciWorld.open(p, "/sys" + PATH);
        assertThat(text(p.read(f, 1).value())).isEqualTo("1");
        value.set(12345);
        assertThat(w.sysfs.sysfsNotify(PATH).isOk()).isTrue();
        assertThat(text(p.read(f, 64).value())).as("the rest of the first rendering").isEqualTo("\n");
        assertThat(p.poll(f).value()).as("the second read copied the buffer: no ->show").isEqualTo(CHANGED);
        f.setPosition(0);
        assertThat(text(p.read(f, 64).value())).isEqualTo("12345\n");
        assertThat(p.poll(f).value()).isEqualTo(PollBit.DEFAULT_POLLMASK);
    }

    @Test
    void aPollerForPollpriSleepsUntilSysfsNotifyAndEachOpenFileSeesItsOwnNews() throws Exception {
        Process p = w.root();
        OpenFile waiter = PciWorld.open(p, "/sys" + PATH);
        OpenFile other = PciWorld.open(p, "/sys" + PATH);
        p.read(waiter, 64);
        p.read(other, 64);
        CompletableFuture<Result<Set<PollBit>>> poll = Async.supply(() -> p.pollWait(waiter, Set.of(PollBit.POLLPRI)));
        Thread.sleep(50);
        assertThat(poll).as("nothing changed: the poll sleeps").isNotDone();
        change();
        assertThat(poll.get(10, TimeUnit.SECONDS).value()).isEqualTo(CHANGED);
        assertThat(p.poll(other).value()).as("the notify is news to every opener").isEqualTo(CHANGED);
        other.setPosition(0);
        p.read(other, 64);
        assertThat(p.poll(other).value()).isEqualTo(PollBit.DEFAULT_POLLMASK);
        assertThat(p.poll(waiter).value()).as("the waiter has not read since").isEqualTo(CHANGED);
    }

    @Test
    void theRemovalWakesAPollerWithTheKernfsMaskAndANotifyAfterItChangesNothing() throws Exception {
        Process p = w.root();
        OpenFile f = PciWorld.open(p, "/sys" + PATH);
        p.read(f, 64);
        CompletableFuture<Result<Set<PollBit>>> poll = Async.supply(() -> p.pollWait(f, Set.of(PollBit.POLLPRI)));
        Thread.sleep(50);
        assertThat(poll).isNotDone();
        assertThat(w.sysfs.remove(PATH, "device_remove_file").isOk()).isTrue();
        assertThat(poll.get(10, TimeUnit.SECONDS).value()).isEqualTo(CHANGED); // the sysfs column's poll row
        assertThat(w.sysfs.sysfsNotify(PATH).errnoOrNull()).as("the path is gone").isEqualTo(Errno.ENOENT);
        file.notifyPollers(); // a driver holding the file: harmless
        assertThat(p.poll(f).value()).isEqualTo(CHANGED);
    }

    @Test
    void aBinaryAttributeAlwaysPollsAsChangedBecauseABinaryReadIsNotASeqShow() {
        Process p = w.root();
        OpenFile f = PciWorld.open(p, PciWorld.RESOURCE0);
        assertThat(p.poll(f).value()).isEqualTo(CHANGED);
        assertThat(p.pollWait(f, Set.of(PollBit.POLLPRI)).value()).as("returns at once").isEqualTo(CHANGED);
    }

    @Test
    void sysfsNotifyOfAPathWithNoFileIsEnoent() {
        assertThat(w.sysfs.sysfsNotify("/devices/platform/foo/nothing").errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(w.sysfs.sysfsNotify("/devices/platform/foo").errnoOrNull()).as("a directory").isEqualTo(Errno.ENOENT);
    }

    /** kernfs_file_read_iter sets of->event before ->read: a binary attribute's read, even one failing EIO, makes it quiet. */
    @Test
    void binaryAttributeReadMarksTheValueSeenEvenWhenTheReadFails() {
        Process p = w.root();
        OpenFile res = PciWorld.open(p, "/sys/bus/pci/devices/" + PciWorld.BDF + "/resource0");
        assertThat(p.poll(res).value()).as("not read since open").isEqualTo(CHANGED);
        assertThat(p.read(res, 4).errnoOrNull()).as("sysfs_kf_bin_read: no ->read for a memory BAR").isEqualTo(io.revokefs.kernel.Errno.EIO);
        assertThat(p.poll(res).value()).isEqualTo(PollBit.DEFAULT_POLLMASK);
    }
}
