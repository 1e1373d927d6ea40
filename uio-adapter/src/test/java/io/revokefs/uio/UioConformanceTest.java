package io.revokefs.uio;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.conformance.DeviceSubject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The conformance suite on {@code /dev/uio0}, mapping its map 0 (logical: populated on fault). */
class UioConformanceTest extends ConformanceSuite {

    static AdapterFixture fixture(UioMem.Type map0, Map<Case, String> extraNotApplicable) {
        return new AdapterFixture() {
            @Override
            public String adapter() {
                return "uio (" + map0 + " map)";
            }

            @Override
            public Subject create() {
                InMemoryEventLog log = new InMemoryEventLog();
                Kernel kernel = new Kernel(log);
                Uio uio = new Uio(kernel);
                UioDevice dev = uio.register(new UioInfo("test", List.of(new UioMem("regs", map0, 8),
                        new UioMem("other", UioMem.Type.PHYS, 1)), true, irqOn -> Result.ok()));
                // The node's name is gone after unregister: the subject opens the held inode (map index 0).
                return new DeviceSubject(log, kernel, "uio:/dev/uio0", dev.inode(), 8, dev::unregister) {
                    @Override
                    public void makeReadable() {
                        dev.interrupt();
                    }

                    @Override
                    public void interrupt() {
                        dev.interrupt();
                    }
                };
            }

            @Override
            public ErrnoTable errnos() {
                return ErrnoTable.builder()
                        .open(Errno.ENODEV)    // uio_open: idr_find finds no device for the minor
                        .read(Errno.EIO)       // uio_read: !idev->info
                        .write(Errno.EINVAL)   // uio_write: !idev->info, tested before !idev->info->irq
                        .poll(PollBit.POLLERR) // uio_poll: EPOLLERR alone
                        .ioctlUnguarded()      // uio_fops has no ioctl (vfs_ioctl's ENOTTY)
                        .llseekUnguarded()     // noop_llseek
                        .mmap(Errno.EINVAL)    // uio_mmap: !idev->info
                        .access(Errno.EINVAL)  // vm access op: kernfs_vma_access's answer (the syscall sees EIO)
                        .build();
            }

            @Override
            public Map<Case, String> notApplicable() {
                return extraNotApplicable;
            }
        };
    }

    @Override
    protected AdapterFixture fixture() {
        return fixture(UioMem.Type.LOGICAL, Map.of());
    }
}
