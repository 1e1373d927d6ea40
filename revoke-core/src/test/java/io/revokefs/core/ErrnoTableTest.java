package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The builder names every cell; the presets are docs/semantics.md section 4's and 11's columns. */
class ErrnoTableTest {

    @Test
    void buildNamesEveryCellStillMissing() {
        assertThatThrownBy(() -> ErrnoTable.builder().open(Errno.ENODEV).read(Errno.EIO).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("ErrnoTable: no value for write, poll, ioctl (or ioctlUnguarded), llseek (or llseekUnguarded), mmap, access");
    }

    @Test
    void toBuilderChangesOnlyTheNamedCell() {
        ErrnoTable t = ErrnoTable.KERNFS.toBuilder().read(Errno.EIO).build();
        assertThat(t.read()).isEqualTo(Errno.EIO);
        assertThat(t).isNotEqualTo(ErrnoTable.KERNFS);
        assertThat(t.toBuilder().read(Errno.ENODEV).build()).isEqualTo(ErrnoTable.KERNFS).hasSameHashCodeAs(ErrnoTable.KERNFS);
    }

    @Test
    void unguardedCellsAreNull() {
        ErrnoTable t = ErrnoTable.KERNFS.toBuilder().ioctlUnguarded().llseekUnguarded().build();
        assertThat(t.ioctl()).isNull();
        assertThat(t.llseek()).isNull();
        assertThat(t.toString()).contains("ioctl=unguarded", "llseek=unguarded");
    }

    @Test
    void kernfsColumn() {
        assertColumn(ErrnoTable.KERNFS, Errno.ENODEV, Errno.ENODEV, Errno.ENODEV,
                Set.of(PollBit.POLLIN, PollBit.POLLOUT, PollBit.POLLRDNORM, PollBit.POLLWRNORM, PollBit.POLLERR, PollBit.POLLPRI),
                Errno.ENOTTY /* kernfs_file_fops has no unlocked_ioctl */, Errno.ENODEV, Errno.ENODEV, Errno.EINVAL);
    }

    @Test
    void procfsColumn() {
        assertColumn(ErrnoTable.PROCFS, Errno.ENOENT, Errno.EIO, Errno.EIO,
                Set.of(PollBit.POLLIN, PollBit.POLLOUT, PollBit.POLLRDNORM, PollBit.POLLWRNORM),
                Errno.ENOTTY, Errno.EINVAL, Errno.EIO, Errno.EINVAL);
    }

    @Test
    void uioColumn() {
        assertColumn(ErrnoTable.UIO, Errno.ENODEV, Errno.EIO, Errno.EINVAL /* uio_write: !idev->info */, Set.of(PollBit.POLLERR),
                null, null, Errno.EINVAL, Errno.EINVAL);
    }

    /** evdev's answers for a disconnected device (docs/semantics.md section 11). */
    @Test
    void cdevColumn() {
        assertColumn(ErrnoTable.CDEV, Errno.ENODEV, Errno.ENODEV, Errno.ENODEV, Set.of(PollBit.POLLERR, PollBit.POLLHUP),
                Errno.ENODEV, null, Errno.ENODEV, Errno.EINVAL);
    }

    private static void assertColumn(ErrnoTable t, Errno open, Errno read, Errno write, Set<PollBit> poll, Errno ioctl,
                                     Errno llseek, Errno mmap, Errno access) {
        assertThat(t.open()).as("open").isEqualTo(open);
        assertThat(t.read()).as("read").isEqualTo(read);
        assertThat(t.write()).as("write").isEqualTo(write);
        assertThat(t.poll()).as("poll").isEqualTo(poll);
        assertThat(t.ioctl()).as("ioctl").isEqualTo(ioctl);
        assertThat(t.llseek()).as("llseek").isEqualTo(llseek);
        assertThat(t.mmap()).as("mmap").isEqualTo(mmap);
        assertThat(t.access()).as("access").isEqualTo(access);
    }
}
