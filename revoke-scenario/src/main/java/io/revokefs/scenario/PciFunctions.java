package io.revokefs.scenario;

import io.revokefs.kernel.Pci;

import java.util.List;

/**
 * The PCI functions of a world as its bus adds and removes them: the service through which views
 * that follow the bus ({@code /proc/bus/pci}, a vfio adapter) learn of devices without depending on
 * the adapter that owns the bus. That adapter {@linkplain ScenarioWorld#provide provides} it; the
 * others {@linkplain ScenarioWorld#whenProvided ask for it}.
 */
public interface PciFunctions {

    /** A function at {@code bdf} ({@code 0000:00:02.0}) with its memory BARs (placed). */
    record Function(String bdf, List<Pci.Bar> bars) {
        public Function {
            bars = List.copyOf(bars);
        }
    }

    /** Told of each function added to and removed from the bus (hot-unplug, or a write of its {@code remove} attribute). */
    interface Listener {
        void added(Function function);

        void removed(String bdf);
    }

    /** Adds a listener: told of the functions already present, then of every change. */
    void addListener(Listener listener);

    /**
     * Physical pages are below this: 2^52 bytes, x86-64's {@code MAX_PHYSMEM_BITS} with 5-level
     * paging (46 with 4-level), in 4 KiB pages. A script's BAR past it is malformed.
     */
    long PFN_LIMIT = 1L << (52 - 12);
}
