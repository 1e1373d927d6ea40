package io.revokefs.kernel;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every view of a PCI device shares (include/linux/pci.h, include/uapi/linux/pci.h): its
 * address, its memory BARs and the {@code PCIIOC_*} ioctl numbers of {@code /proc/bus/pci}. The
 * sysfs bus, {@code /proc/bus/pci} and the scenario language all use these, so a device is described
 * one way wherever it appears.
 */
public final class Pci {
    /** {@code PCIIOC_BASE}: {@code 'P' << 24 | 'C' << 16 | 'I' << 8}. */
    public static final int PCIIOC_BASE = 0x50434900;
    /** {@code PCIIOC_CONTROLLER}: the PCI domain (0 here). */
    public static final int PCIIOC_CONTROLLER = PCIIOC_BASE;
    /** {@code PCIIOC_MMAP_IS_IO}: later mmaps map I/O BARs (EINVAL on x86: {@code !arch_can_pci_mmap_io()}). */
    public static final int PCIIOC_MMAP_IS_IO = PCIIOC_BASE | 0x01;
    /** {@code PCIIOC_MMAP_IS_MEM}: later mmaps map memory BARs. */
    public static final int PCIIOC_MMAP_IS_MEM = PCIIOC_BASE | 0x02;
    /** {@code PCIIOC_WRITE_COMBINE}: later mmaps are write-combining (arg non-zero) or not. */
    public static final int PCIIOC_WRITE_COMBINE = PCIIOC_BASE | 0x03;

    /** Lower-case hex {@code dddd:bb:dd.f}, device 00..1f, function 0..7 ({@code pci_name}). */
    private static final Pattern ADDRESS = Pattern.compile("([0-9a-f]{4}):([0-9a-f]{2}):([01][0-9a-f])\\.([0-7])");

    private Pci() {
    }

    /**
     * A PCI function's address, as {@code pci_name} prints it: {@code 0000:00:02.0}.
     *
     * @param domain the PCI domain (segment), 0 to 0xffff
     * @param bus 0 to 0xff
     * @param device the slot, 0 to 0x1f
     * @param function 0 to 7
     */
    public record Address(int domain, int bus, int device, int function) {
        public Address {
            if (domain < 0 || domain > 0xffff || bus < 0 || bus > 0xff || device < 0 || device > 0x1f || function < 0 || function > 7) {
                throw new IllegalArgumentException("bad PCI address " + domain + ":" + bus + ":" + device + "." + function);
            }
        }

        /**
         * Parses {@code dddd:bb:dd.f} in lower-case hex; throws {@link IllegalArgumentException} naming
         * the text and the expected form.
         */
        public static Address parse(String text) {
            Objects.requireNonNull(text, "address");
            Matcher m = ADDRESS.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("bad PCI address '" + text
                        + "': expected domain:bus:device.function in lower-case hex, e.g. 0000:00:02.0");
            }
            return new Address(Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                    Integer.parseInt(m.group(3), 16), Integer.parseInt(m.group(4), 16));
        }

        @Override
        public String toString() {
            return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
        }
    }

    /**
     * A memory BAR: its index (0 to 5), its size in pages and its first physical page
     * ({@link #PLACE} before placement: the bus finds a free range).
     */
    public record Bar(int index, long pages, long firstPfn) {
        /** {@code firstPfn} of a BAR the bus is to place. */
        public static final long PLACE = -1;

        public Bar {
            if (index < 0 || index > 5) {
                throw new IllegalArgumentException("BAR index " + index + " out of range 0..5");
            }
            if (pages <= 0) {
                throw new IllegalArgumentException("BAR" + index + ": size must be at least one page, got " + pages);
            }
            if (firstPfn < 0 && firstPfn != PLACE) {
                throw new IllegalArgumentException("BAR" + index + ": bad first page " + firstPfn);
            }
        }

        /** A BAR the bus places. */
        public static Bar of(int index, long pages) {
            return new Bar(index, pages, PLACE);
        }

        /** A BAR at a given first physical page. */
        public static Bar at(int index, long pages, long firstPfn) {
            return new Bar(index, pages, firstPfn);
        }

        public boolean isPlaced() {
            return firstPfn != PLACE;
        }

        /** Whether physical pages {@code [pfn, pfn + count)} lie inside this (placed) BAR. */
        public boolean covers(long pfn, long count) {
            return isPlaced() && pfn >= firstPfn && pfn + count <= firstPfn + pages;
        }

        /** Whether this BAR and {@code other} (both placed) share a physical page. */
        public boolean overlaps(Bar other) {
            return firstPfn < other.firstPfn + other.pages && other.firstPfn < firstPfn + pages;
        }

        @Override
        public String toString() {
            return isPlaced() ? String.format("BAR%d %d pages @0x%x", index, pages, firstPfn) : "BAR" + index + " " + pages + " pages";
        }
    }
}
