package io.revokefs.cdev;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.Map;

/** The conformance suite on {@code /dev/foo} with 8 pages of device memory. */
class CdevConformanceTest extends ConformanceSuite {

    @Override
    protected AdapterFixture fixture() {
        return new AdapterFixture() {
            @Override
            public String adapter() {
                return CharDevice.ADAPTER;
            }

            @Override
            public Subject create() {
                InMemoryEventLog log = new InMemoryEventLog();
                Kernel kernel = new Kernel(log);
                CharDevice dev = CharDevice.create(kernel, "foo", 8, false);
                return new Subject() {
                    @Override
                    public Kernel kernel() {
                        return kernel;
                    }

                    @Override
                    public InMemoryEventLog log() {
                        return log;
                    }

                    @Override
                    public String objectId() {
                        return "cdev:/dev/foo";
                    }

                    @Override
                    public Result<OpenFile> open(Process p) {
                        return p.open(dev.inode(), false); // the node's name is gone after unplug
                    }

                    @Override
                    public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
                        return p.mmap(f, pages, offset, true);
                    }

                    @Override
                    public long mapOffset() {
                        return 0;
                    }

                    @Override
                    public long mappablePages() {
                        return 8;
                    }

                    @Override
                    public void revoke() {
                        dev.unplug();
                    }

                    @Override
                    public int readCount() {
                        return 8; // the counter, at once
                    }

                    @Override
                    public int ioctlCommand() {
                        return CharDevice.IOC_EVENTS;
                    }

                    @Override
                    public void interrupt() {
                        dev.event();
                    }
                };
            }

            @Override
            public ErrnoTable errnos() {
                return ErrnoTable.builder()
                        .open(Errno.ENODEV)    // evdev_open_device: !evdev->exist
                        .read(Errno.ENODEV)    // evdev_read: !evdev->exist
                        .write(Errno.ENODEV)   // evdev_write: !evdev->exist
                        .poll(PollBit.POLLERR, PollBit.POLLHUP) // evdev_poll: EPOLLHUP | EPOLLERR
                        .ioctl(Errno.ENODEV)   // evdev_ioctl_handler: !evdev->exist
                        .llseekUnguarded()     // nonseekable_open: ESPIPE before and after (vfs_llseek)
                        .mmap(Errno.ENODEV)    // evdev has no mmap; the library answers as for a file without one
                        .access(Errno.EINVAL)  // vm access op: kernfs_vma_access's answer (the syscall sees EIO)
                        .build();
            }

            @Override
            public Map<Case, String> notApplicable() {
                return Map.of(Case.R17, "the suite's R17 expects uio's EIO; the cdev's sleeping reader wakes with ENODEV,"
                        + " as evdev_read does (CharDeviceTest.aReaderAsleepAtUnplugWakesWithEnodev)");
            }
        };
    }
}
