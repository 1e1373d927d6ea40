package io.revokefs.procfs;

import io.revokefs.kernel.Pci;
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

import java.util.List;
import java.util.Map;

/** The conformance suite on {@code /proc/bus/pci/00/02.0}, revoked by detaching the function. */
class ProcBusPciConformanceTest extends ConformanceSuite {
    static final String BDF = "0000:00:02.0";
    static final long BAR0 = 0x80000;
    static final long BAR2 = 0x90000;

    /** A kernel with one PCI function: BAR0 of 16 pages and BAR2 of 4, registered in physical memory and iomem. */
    static final class World {
        final InMemoryEventLog log = new InMemoryEventLog();
        final Kernel kernel = new Kernel(log);
        final ProcFs procfs = new ProcFs(kernel);
        final ProcBusPci pci = new ProcBusPci(procfs);
        final ProcEntry entry;

        World() {
            entry = pci.attachDevice(function(kernel, BDF, BAR0, 16, BAR2, 4));
        }
    }

    static ProcBusPci.PciFunction function(Kernel kernel, String bdf, long bar0, long pages0, long bar2, long pages2) {
        kernel.physicalMemory().addMmio(bar0, pages0, bdf + " BAR0");
        kernel.physicalMemory().addMmio(bar2, pages2, bdf + " BAR2");
        kernel.iomem().insert(bdf + " BAR0", bar0, pages0);
        kernel.iomem().insert(bdf + " BAR2", bar2, pages2);
        return new ProcBusPci.PciFunction(bdf, List.of(Pci.Bar.at(0, pages0, bar0),
                Pci.Bar.at(2, pages2, bar2)));
    }

    /** Opens the file and switches it to memory-BAR mmap ({@code PCIIOC_MMAP_IS_MEM}), as userspace must on x86. */
    static Result<OpenFile> openForMmap(Process p, String path) {
        Result<OpenFile> r = p.open(path, false);
        if (r.isOk()) {
            p.ioctl(r.value(), Pci.PCIIOC_MMAP_IS_MEM, 0);
        }
        return r;
    }

    static final AdapterFixture FIXTURE = new AdapterFixture() {
        @Override
        public String adapter() {
            return "proc-bus-pci";
        }

        @Override
        public Subject create() {
            World w = new World();
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
                    return "procfs:/proc/bus/pci/00/02.0";
                }

                @Override
                public Result<OpenFile> open(Process p) {
                    return openForMmap(p, "/proc/bus/pci/00/02.0");
                }

                @Override
                public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
                    return p.mmap(f, pages, offset, true);
                }

                @Override
                public long mapOffset() {
                    return BAR0; // a physical page, as proc_bus_pci_mmap takes vm_pgoff
                }

                @Override
                public long mappablePages() {
                    return 16;
                }

                @Override
                public void revoke() {
                    w.pci.detachDevice(BDF);
                    w.procfs.procRemove(w.entry); // a second detach finds nothing; proc_remove waits (R22)
                }

                @Override
                public int ioctlCommand() {
                    return Pci.PCIIOC_CONTROLLER;
                }
            };
        }

        @Override
        public ErrnoTable errnos() {
            return ProcfsColumn.EXPECTED;
        }

        @Override
        public Map<Case, String> notApplicable() {
            return Map.of(
                    Case.R02, "no fault handler: pci_phys_vm_ops populate every page at mmap (after link); "
                            + "a fault only happens after the zap and is SIGBUS without reaching the driver",
                    Case.R17, "R17 is uio's case: config space reads never block",
                    Case.R19, "no proc_poll: a poll is always ready (DEFAULT_POLLMASK), nothing sleeps");
        }
    };

    @Override
    protected AdapterFixture fixture() {
        return FIXTURE;
    }
}
