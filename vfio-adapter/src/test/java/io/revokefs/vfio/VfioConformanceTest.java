package io.revokefs.vfio;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Nested;

import java.util.EnumMap;
import java.util.Map;

/**
 * The conformance suite on {@code /dev/vfio/devices/vfio0}, mapping BAR0 (offset: the page inside
 * the region), revoked by hot-unplug ({@code PciBus.remove}); once with each population strategy.
 * The temporary revoke (R23, R28, R29) and R30 are not in the shared suite; they are explored on this
 * adapter in {@link VfioExploreTest}.
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
                return new Subject() {
                    @Override
                    public Kernel kernel() {
                        return w.kernel;
                    }

                    @Override
                    public InMemoryEventLog log() {
                        return w.log;
                    }

                    @Override
                    public String objectId() {
                        return VfioWorld.ID;
                    }

                    @Override
                    public Result<OpenFile> open(Process p) {
                        return p.open(w.device.inode(), false); // the name is gone after the unplug
                    }

                    @Override
                    public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
                        return VfioDevice.mmap(p, f, 0, pages, offset);
                    }

                    @Override
                    public long mapOffset() {
                        return 0;
                    }

                    @Override
                    public long mappablePages() {
                        return VfioWorld.BAR0_PAGES;
                    }

                    @Override
                    public void revoke() {
                        w.bus.remove(VfioWorld.BDF);
                    }

                    @Override
                    public int ioctlCommand() {
                        return VfioDevice.VFIO_DEVICE_GET_INFO;
                    }
                };
            }

            @Override
            public ErrnoTable errnos() {
                return VfioPci.ERRNOS;
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
