package io.revokefs.sysfs;

import io.revokefs.kernel.Pci;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Iomem;
import io.revokefs.kernel.PhysicalMemory;

import java.util.List;
import java.util.Optional;

/**
 * A PCI device on a {@link PciBus}: its address, its BARs (placed) and its sysfs directory. A view:
 * changing the device goes through the bus.
 */
public final class PciDevice {
    private final String bdf;
    private final PfnMapping.Populate populate;
    private final List<Pci.Bar> bars;
    private final List<PhysicalMemory.Region> regions;
    private final List<Iomem.Resource> resources;

    PciDevice(String bdf, PfnMapping.Populate populate, List<Pci.Bar> bars, List<PhysicalMemory.Region> regions,
              List<Iomem.Resource> resources) {
        this.bdf = bdf;
        this.populate = populate;
        this.bars = List.copyOf(bars);
        this.regions = List.copyOf(regions);
        this.resources = List.copyOf(resources);
    }

    /** The address, {@code domain:bus:device.function}, e.g. {@code 0000:00:02.0}. */
    public String bdf() {
        return bdf;
    }

    /** How the mappings of its resource files are populated. */
    public PfnMapping.Populate populate() {
        return populate;
    }

    /** Its BARs with their physical placement, by index. */
    public List<Pci.Bar> bars() {
        return bars;
    }

    /** BAR {@code index}, if the device has it. */
    public Optional<Pci.Bar> bar(int index) {
        return bars.stream().filter(b -> b.index() == index).findFirst();
    }

    /** Its directory inside sysfs: {@code /devices/pci0000:00/<bdf>}. */
    public String sysfsDir() {
        return PciBus.ROOT + "/" + bdf;
    }

    List<PhysicalMemory.Region> regions() {
        return regions;
    }

    List<Iomem.Resource> resources() {
        return resources;
    }

    @Override
    public String toString() {
        return "pci " + bdf + " " + bars;
    }
}
