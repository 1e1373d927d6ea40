package io.revokefs.bench;

import io.revokefs.kernel.Pci;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.sysfs.PciBus;
import io.revokefs.sysfs.Sysfs;
import io.revokefs.vfio.VfioDevice;
import io.revokefs.vfio.VfioPci;

/**
 * The vfio targets (issue 14), on the real adapter, recording nothing:
 * <ul>
 *   <li>{@link Toggle}: memory off then on of a device whose BAR is mapped eagerly by {@code vmas}
 *       one-page VMAs spread over 100 processes (the zap, then the walk of {@code i_mmap} that
 *       remaps every VMA, per VMA its {@code mmap_lock} then {@code memory_lock});</li>
 *   <li>{@link Fault}: the on-fault path's fault (through {@code memory_lock} and the page-table-lock
 *       check), set up as target 2's {@link FaultBench#faultWrapped}: zap the one page, load it.</li>
 * </ul>
 */
final class VfioBench {
    static final String BDF = "0000:00:02.0";
    static final long BAR_PFN = 0x200000;
    static final int PROCESSES = 100;

    private VfioBench() {
    }

    /** A kernel with one PCI device (BAR0 of {@code pages} pages) bound to vfio-pci. */
    static VfioDevice device(Kernel kernel, long pages, VfioPci.Populate populate) {
        PciBus bus = new PciBus(new Sysfs(kernel));
        bus.addDevice(BDF, Pci.Bar.at(0, pages, BAR_PFN));
        return new VfioPci(kernel, bus).bind(BDF, populate).value();
    }

    /** Memory off then on, eager, over {@code vmas} VMAs across {@value #PROCESSES} processes. */
    static final class Toggle {
        private final Process writer;
        private final OpenFile config;

        Toggle(int vmas) {
            Kernel kernel = new Kernel(EventRecorder.discarding());
            VfioDevice d = device(kernel, 64, VfioPci.Populate.EAGER);
            Process[] procs = new Process[PROCESSES];
            OpenFile[] files = new OpenFile[PROCESSES];
            for (int i = 0; i < PROCESSES; i++) {
                procs[i] = kernel.newProcess(0);
                files[i] = procs[i].open(d.inode(), false).value();
            }
            for (int i = 0; i < vmas; i++) {
                int p = i % PROCESSES;
                VfioDevice.mmap(procs[p], files[p], 0, 1, i % 64).value();
            }
            writer = procs[0];
            config = writer.open(d.inode(), false).value();
            check(vmas, procs);
        }

        private void check(int vmas, Process[] procs) {
            if (populated(procs) != vmas) {
                throw new IllegalStateException("setup: " + populated(procs) + " of " + vmas + " VMAs populated after mmap");
            }
            offThenOn();
            if (populated(procs) != vmas) {
                throw new IllegalStateException("setup: " + populated(procs) + " of " + vmas + " VMAs repopulated after memory on");
            }
        }

        private static long populated(Process[] procs) {
            long n = 0;
            for (Process p : procs) {
                for (Vma v : p.mm().vmas()) {
                    n += p.mm().populatedPages(v);
                }
            }
            return n;
        }

        /** One measured operation: the zap of every VMA, then the remap of every VMA. */
        long offThenOn() {
            if (!VfioDevice.writeMemoryBit(writer, config, false).isOk() || !VfioDevice.writeMemoryBit(writer, config, true).isOk()) {
                throw new IllegalStateException("memory write failed");
            }
            return 1;
        }
    }

    /** Target 2's fault, through vfio's on-fault handler. */
    static final class Fault {
        private final Process proc;
        private final AddressSpace mapping;
        private final Vma vma;

        Fault() {
            Kernel kernel = new Kernel(EventRecorder.discarding());
            VfioDevice d = device(kernel, 16, VfioPci.Populate.ON_FAULT);
            proc = kernel.newProcess(0);
            OpenFile f = proc.open(d.inode(), false).value();
            vma = VfioDevice.mmap(proc, f, 0, 2, 0).value();
            mapping = d.object().mapping();
            // Page 1 stays populated, as in FaultBench, so the page-table leaf is never freed.
            if (!proc.load(vma.start() + Kernel.PAGE_SIZE).isOk() || !proc.load(vma.start()).isOk()) {
                throw new IllegalStateException("setup: load through " + vma + " failed");
            }
        }

        MemoryAccess fault() {
            mapping.unmapMappingRange(0, 1);
            return proc.load(vma.start());
        }
    }
}
