package io.revokefs.vfio;

import io.revokefs.kernel.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.conformance.DeviceSubject;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Nested;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The conformance suite on {@code /dev/vfio/devices/vfio0}, mapping BAR0 (offset: the page inside
 * the region), revoked by hot-unplug ({@code PciBus.remove}); once with each population strategy.
 * The subject has the memory toggle (a config-space write of PCI_COMMAND, {@code VFIO_DEVICE_RESET}),
 * so the suite's R28, R29 and R30 run here with both strategies; their other interleavings (and R23)
 * are explored on this adapter in {@link VfioExploreTest}.
 */
class VfioConformanceTest {

    static final String NO_POLL = "vfio_device_fops has no ->poll: a poll never sleeps (DEFAULT_POLLMASK)";
    static final String NO_BLOCKING_READ = "vfio-pci reads never sleep waiting for an event";
    static final String NO_ACCESS = "vfio_pci_mmap_ops has no ->access: ptrace of a BAR mapping is EIO before revoke too";
    static final String EAGER_NO_FAULT = "eager: the fault handler only raises SIGBUS (the VMA is populated after link), so no fault is in flight with a PFN to install";

    static AdapterFixture fixture(VfioPci.Populate populate) {
        return new AdapterFixture() {
            @Override
            public String adapter() {
                return "vfio (" + populate.scenarioName() + ")";
            }

            @Override
            public Subject create() {
                VfioWorld w = new VfioWorld(populate);
                AdapterFixture.Memory memory = new AdapterFixture.Memory() {
                    @Override
                    public Result<?> off(Process p, OpenFile f) {
                        return VfioDevice.writeMemoryBit(p, f, false); // PCI_COMMAND through config space
                    }

                    @Override
                    public Result<?> on(Process p, OpenFile f) {
                        return VfioDevice.writeMemoryBit(p, f, true);
                    }

                    @Override
                    public Result<?> reset(Process p, OpenFile f) {
                        return VfioDevice.reset(p, f); // VFIO_DEVICE_RESET
                    }

                    @Override
                    public boolean eager() {
                        return populate == VfioPci.Populate.EAGER;
                    }
                };
                // The name is gone after the unplug: the subject opens the held inode.
                return new DeviceSubject(w.log, w.kernel, VfioWorld.ID, w.device.inode(), VfioWorld.BAR0_PAGES,
                        () -> w.bus.remove(VfioWorld.BDF)) {
                    @Override
                    public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
                        return VfioDevice.mmap(p, f, 0, pages, offset); // BAR0: region 0 in vm_pgoff's top bits
                    }

                    @Override
                    public int ioctlCommand() {
                        return VfioDevice.VFIO_DEVICE_GET_INFO;
                    }

                    @Override
                    public Optional<AdapterFixture.Memory> memory() {
                        return Optional.of(memory);
                    }
                };
            }

            @Override
            public ErrnoTable errnos() {
                // Spelled out, not VfioPci.ERRNOS. Linux does not revoke here (vfio_unregister_group_dev
                // waits for the last close); these are the library's answers after the unplug.
                return ErrnoTable.builder()
                        .open(Errno.ENODEV)    // open of the held inode (vfio_device_fops_cdev_open's file)
                        .read(Errno.ENODEV)    // vfio_device_fops_read's file
                        .write(Errno.ENODEV)   // vfio_device_fops_write's file (a memory bit write included)
                        .poll(PollBit.DEFAULT_POLLMASK) // vfio_device_fops has no ->poll, before and after
                        .ioctl(Errno.ENODEV)   // vfio_device_fops_unl_ioctl's file (VFIO_DEVICE_RESET included)
                        .llseekUnguarded()     // vfio_device_fops has no ->llseek, before and after
                        .mmap(Errno.ENODEV)    // vfio_device_fops_mmap's file
                        .access(Errno.EINVAL)  // vm access op: the library answers as kernfs_vma_access
                        .build();
            }

            @Override
            public Map<Case, String> notApplicable() {
                Map<Case, String> m = new EnumMap<>(Case.class);
                m.put(Case.R17, NO_BLOCKING_READ);
                m.put(Case.R19, NO_POLL);
                m.put(Case.R20, NO_ACCESS);
                if (populate == VfioPci.Populate.EAGER) {
                    m.put(Case.R02, EAGER_NO_FAULT);
                }
                return m;
            }
        };
    }

    @Nested
    class OnFault extends ConformanceSuite {
        @Override
        protected AdapterFixture fixture() {
            return VfioConformanceTest.fixture(VfioPci.Populate.ON_FAULT);
        }
    }

    @Nested
    class Eager extends ConformanceSuite {
        @Override
        protected AdapterFixture fixture() {
            return VfioConformanceTest.fixture(VfioPci.Populate.EAGER);
        }
    }
}
