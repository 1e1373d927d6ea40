package io.revokefs.procfs;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.Pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /proc/bus/pci} (drivers/pci/proc.c): one file {@code BB/DD.F} per PCI function, whose read
 * and write reach config space and whose mmap maps a memory BAR with {@code vm_pgoff} the PHYSICAL
 * page, as {@code proc_bus_pci_mmap} takes it. Every open sets {@code f_mapping} to the one iomem
 * mapping ({@code iomem_get_mapping()}, as since "PCI: revoke mappings like devmem"), so the
 * removal's zap over the function's BAR ranges reaches this file's mappings and those of
 * {@code /dev/mem} and sysfs {@code resourceN} alike (R14).
 *
 * <p>The PCI device model lives elsewhere: callers describe a function with {@link PciFunction} and
 * call {@link #attachDevice} when it is added and {@link #detachDevice} when it goes
 * ({@code pci_proc_attach_device}, {@code pci_proc_detach_device}).
 *
 * <p>Thread-safe.
 */
public final class ProcBusPci {
    /** {@code /proc/bus/pci}. */
    public static final String DIR = ProcFs.ROOT + "/bus/pci";
    /** What /proc/bus/pci needs of a PCI function: its address ({@code 0000:00:02.0}) and placed memory BARs. */
    public record PciFunction(String bdf, List<Pci.Bar> bars) {
        public PciFunction {
            Pci.Address.parse(bdf);
            bars = List.copyOf(bars);
            for (int i = 0; i < bars.size(); i++) {
                Pci.Bar a = bars.get(i);
                if (!a.isPlaced()) {
                    throw new IllegalArgumentException(bdf + ": BAR" + a.index() + " has no physical address");
                }
                for (int j = i + 1; j < bars.size(); j++) {
                    Pci.Bar b = bars.get(j);
                    if (a.index() == b.index() || a.overlaps(b)) {
                        throw new IllegalArgumentException(bdf + ": BAR" + a.index() + " and BAR" + b.index() + " clash");
                    }
                }
            }
        }
    }

    private final ProcFs procfs;
    private final Map<String, ProcEntry> entries = new ConcurrentHashMap<>();

    /**
     * {@code pci_proc_init}: makes {@code /proc/bus/pci} ({@code proc_mkdir("bus/pci", NULL)}), and
     * {@code /proc/bus} if needed ({@code proc_root_init} makes it at boot in Linux).
     */
    public ProcBusPci(ProcFs procfs) {
        this.procfs = Objects.requireNonNull(procfs, "procfs");
        procfs.procMkdir(ProcFs.ROOT + "/bus");
        procfs.procMkdir(DIR);
    }

    /**
     * The path of a function's file: {@code /proc/bus/pci/BB/DD.F}, with {@code DDDD:BB} as the
     * directory when the domain is not 0 ({@code pci_proc_domain}).
     */
    public static String pathOf(String bdf) {
        Pci.Address a = Pci.Address.parse(bdf);
        String bus = a.domain() == 0 ? String.format("%02x", a.bus()) : String.format("%04x:%02x", a.domain(), a.bus());
        return DIR + "/" + bus + "/" + String.format("%02x.%d", a.device(), a.function());
    }

    /**
     * {@code pci_proc_attach_device}: creates the function's file (mode 0644, as
     * {@code S_IRUGO | S_IWUSR}), and its bus directory if needed. Its revoke zaps each BAR range in
     * the iomem mapping. Throws {@link IllegalArgumentException} if the function is attached already.
     */
    public ProcEntry attachDevice(PciFunction fn) {
        Objects.requireNonNull(fn, "fn");
        String path = pathOf(fn.bdf());
        synchronized (this) {
            if (entries.containsKey(fn.bdf())) {
                throw new IllegalArgumentException("PCI function " + fn.bdf() + " is attached already");
            }
            procfs.procMkdir(path.substring(0, path.lastIndexOf('/')));
            AddressSpace iomem = procfs.kernel().iomemGetMapping();
            List<RevocableObject.ZapRange> ranges = new ArrayList<>();
            for (Pci.Bar b : fn.bars()) {
                ranges.add(new RevocableObject.ZapRange(iomem, b.firstPfn(), b.pages()));
            }
            List<RevocableObject.ZapRange> zap = List.copyOf(ranges);
            ProcEntry e = procfs.create(path, 0644, new PciProcFile(procfs.kernel(), fn), fn, b -> b.zapRanges(() -> zap));
            entries.put(fn.bdf(), e);
            return e;
        }
    }

    /**
     * {@code pci_proc_detach_device}: removes the function's file ({@code proc_remove}) and returns
     * once its rundown is complete and its mappings are zapped. Returns false if it was not attached.
     */
    public boolean detachDevice(String bdf) {
        ProcEntry e = entries.remove(bdf);
        if (e == null) {
            return false;
        }
        procfs.procRemove(e);
        return true;
    }

    /** The file of an attached function, or null. */
    public ProcEntry entryOf(String bdf) {
        return entries.get(bdf);
    }
}
