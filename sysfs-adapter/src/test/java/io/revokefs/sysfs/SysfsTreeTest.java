package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernfs-style tree on its own: attributes, symlinks, subtree removal, bad input. */
class SysfsTreeTest {
    private final Kernel kernel = new Kernel(new InMemoryEventLog());
    private final Sysfs sysfs = new Sysfs(kernel);

    private static Attribute value(AtomicReference<String> v) {
        return new Attribute() {
            @Override
            public Result<String> show() {
                return Result.ok(v.get() + "\n");
            }

            @Override
            public Result<Void> store(SysfsFile self, String value) {
                if (value.isBlank()) {
                    return Result.err(Errno.EINVAL);
                }
                v.set(value.trim());
                return Result.ok();
            }
        };
    }

    @Test
    void attributesShowAndStoreThroughTheirFiles() {
        AtomicReference<String> v = new AtomicReference<>("on");
        sysfs.mkdir("/class/x/x0");
        sysfs.createFile("/class/x/x0/power", 0644, value(v));
        Process p = kernel.newProcess(0);
        OpenFile f = p.open("/sys/class/x/x0/power", false).value();
        assertThat(new String(p.read(f, 100).value(), StandardCharsets.US_ASCII)).isEqualTo("on\n");
        assertThat(p.read(f, 100).value()).isEmpty();
        assertThat(p.write(f, "off\n".getBytes(StandardCharsets.US_ASCII)).value()).isEqualTo(4);
        assertThat(p.write(f, " ".getBytes(StandardCharsets.US_ASCII)).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(v.get()).isEqualTo("off");
        assertThat(kernel.newProcess(1000).open("/sys/class/x/x0/power", false).errnoOrNull()).isEqualTo(Errno.EACCES);
        assertThat(kernel.newProcess(1000).open("/sys/class/x/x0/power", true).isOk()).isTrue();
    }

    @Test
    void aSymlinkReachesFilesMadeBeforeAndAfterItAndGoesWithItsTarget() {
        sysfs.mkdir("/devices/d0");
        sysfs.mkdir("/bus/b");
        SysfsFile before = sysfs.createFile("/devices/d0/a", 0444, value(new AtomicReference<>("a")));
        sysfs.symlink("/bus/b/d0", "/devices/d0");
        SysfsFile after = sysfs.createFile("/devices/d0/b", 0444, value(new AtomicReference<>("b")));
        assertThat(kernel.lookup("/sys/bus/b/d0/a").value()).isSameAs(before.inode());
        assertThat(kernel.lookup("/sys/bus/b/d0/b").value()).isSameAs(after.inode());

        assertThat(sysfs.remove("/devices/d0", "test").value()).isEqualTo(2);
        assertThat(kernel.paths()).isEmpty();
        assertThat(before.isRemoved()).isTrue();
        assertThat(after.isRemoved()).isTrue();
        assertThat(sysfs.remove("/devices/d0", "test").errnoOrNull()).isEqualTo(Errno.ENOENT);
        sysfs.mkdir("/devices/d0");
        sysfs.createFile("/devices/d0/a", 0444, value(new AtomicReference<>("a2")));
        assertThat(kernel.lookup("/sys/bus/b/d0/a").errnoOrNull()).as("the link went with its target").isEqualTo(Errno.ENOENT);
    }

    @Test
    void removingADirectoryRemovesOnlyItsSubtree() {
        sysfs.mkdir("/devices/d1/sub");
        sysfs.mkdir("/devices/d10");
        SysfsFile deep = sysfs.createFile("/devices/d1/sub/x", 0444, value(new AtomicReference<>("x")));
        SysfsFile sibling = sysfs.createFile("/devices/d10/y", 0444, value(new AtomicReference<>("y")));
        assertThat(sysfs.remove("/devices/d1", "hot-unplug").value()).isEqualTo(1);
        assertThat(deep.isRemoved()).isTrue();
        assertThat(sibling.isRemoved()).isFalse();
        assertThat(sysfs.exists("/devices/d1/sub")).isFalse();
        assertThat(sysfs.exists("/devices/d10")).isTrue();
    }

    @Test
    void badPathsAreRejectedWithThePathNamed() {
        assertThatThrownBy(() -> sysfs.mkdir("devices")).hasMessageContaining("'devices'");
        assertThatThrownBy(() -> sysfs.createFile("/nowhere/f", 0444, new Attribute() { }))
                .hasMessageContaining("no directory /nowhere");
        sysfs.mkdir("/d");
        sysfs.createFile("/d/f", 0444, new Attribute() { });
        assertThatThrownBy(() -> sysfs.createFile("/d/f", 0444, new Attribute() { })).hasMessageContaining("/d/f");
        assertThatThrownBy(() -> sysfs.mkdir("/d/f/g")).hasMessageContaining("not a directory: /d/f");
    }
}
