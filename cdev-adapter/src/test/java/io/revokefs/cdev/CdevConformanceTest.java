package io.revokefs.cdev;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Errno;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.conformance.DeviceSubject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import org.junit.jupiter.api.Nested;

import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The conformance suite on {@code /dev/foo} with 8 pages of device memory, once with a driver whose
 * vm_ops has no close and once with {@code vmclose} (its counting {@code ->close}: R25-R27 run, and
 * R09, R10 and R24 count the closes).
 */
class CdevConformanceTest {

    static AdapterFixture fixture(boolean vmclose) {
        return new AdapterFixture() {
            @Override
            public String adapter() {
                return CharDevice.ADAPTER + (vmclose ? " (vmclose)" : "");
            }

            @Override
            public Subject create() {
                InMemoryEventLog log = new InMemoryEventLog();
                Kernel kernel = new Kernel(log);
                CharDevice dev = CharDevice.create(kernel, "foo", 8, vmclose);
                // The node's name is gone after unplug: the subject opens the held inode.
                return new DeviceSubject(log, kernel, "cdev:/dev/foo", dev.inode(), 8, dev::unplug) {
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

                    @Override
                    public Optional<LongSupplier> vmCloses() {
                        return vmclose ? Optional.of(dev::vmCloses) : Optional.empty();
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

    @Nested
    class NoVmClose extends ConformanceSuite {
        @Override
        protected AdapterFixture fixture() {
            return CdevConformanceTest.fixture(false);
        }
    }

    @Nested
    class VmClose extends ConformanceSuite {
        @Override
        protected AdapterFixture fixture() {
            return CdevConformanceTest.fixture(true);
        }
    }
}
