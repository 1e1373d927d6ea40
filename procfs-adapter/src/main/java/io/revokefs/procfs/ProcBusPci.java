package io.revokefs.procfs;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.kernel.AddressSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern BDF = Pattern.compile("([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\\.([0-7])");

    /** One memory BAR: its index (0..5) and its physical range in pages. */
    public record BarRange(int bar, long firstPfn, long pages) {
        public BarRange {
            if (bar < 0 || bar > 5) {
                throw new IllegalArgumentException("BAR index " + bar + " is not 0..5");
            }
            if (firstPfn < 0 || pages <= 0) {
                throw new IllegalArgumentException("BAR" + bar + ": bad range " + firstPfn + "+" + pages + " pages");
            }
        }

        boolean covers(long pfn, long count) {
            return pfn >= firstPfn && pfn + count <= firstPfn + pages;
        }
    }

    /** What /proc/bus/pci needs of a PCI function: its address ({@code 0000:00:02.0}) and memory BARs. */
    public record PciFunction(String bdf, List<BarRange> bars) {
        public PciFunction {
            Objects.requireNonNull(bdf, "bdf");
            if (!BDF.matcher(bdf).matches()) {
                throw new IllegalArgumentException("not a PCI address dddd:bb:dd.f in lower-case hex: '" + bdf + "'");
            }
            bars = List.copyOf(bars);
            for (int i = 0; i < bars.size(); i++) {
                for (int j = i + 1; j < bars.size(); j++) {
                    BarRange a = bars.get(i);
                    BarRange b = bars.get(j);
                    if (a.bar() == b.bar() || (a.firstPfn() < b.firstPfn() + b.pages() && b.firstPfn() < a.firstPfn() + a.pages())) {
                        throw new IllegalArgumentException(bdf + ": BAR" + a.bar() + " and BAR" + b.bar() + " clash");
                    }
                }
            }
        }
    }

    private final ProcFs procfs;
    private final Map<String, ProcEntry> entries = new ConcurrentHashMap<>();

    /** {@code proc_bus_pci_init}: makes {@code /proc/bus} and {@code /proc/bus/pci} if needed. */
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
        Matcher m = BDF.matcher(bdf);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a PCI address dddd:bb:dd.f in lower-case hex: '" + bdf + "'");
        }
        String bus = m.group(1).equals("0000") ? m.group(2) : m.group(1) + ":" + m.group(2);
        return DIR + "/" + bus + "/" + m.group(3) + "." + m.group(4);
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
            for (BarRange b : fn.bars()) {
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
