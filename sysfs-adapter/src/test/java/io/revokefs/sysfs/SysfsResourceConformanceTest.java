package io.revokefs.sysfs;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.conformance.DeviceSubject;
import io.revokefs.kernel.Inode;

import java.util.Map;

/**
 * The conformance suite on a PCI BAR's {@code resource0} ({@value PciWorld#BDF}, BAR0 of 16 pages),
 * revoked by hot-unplug ({@link PciBus#remove}, {@code pci_stop_and_remove_bus_device}). The mmap
 * offset is BAR-relative (a file page), as {@code pci_mmap_resource} takes it.
 */
class SysfsResourceConformanceTest extends ConformanceSuite {
    /** resource0's path inside sysfs. */
    static final String RESOURCE0 = PciWorld.RESOURCE0_ID.substring(Sysfs.OBJECT_PREFIX.length());

    static final AdapterFixture FIXTURE = new AdapterFixture() {
        @Override
        public String adapter() {
            return "sysfs";
        }

        @Override
        public Subject create() {
            PciWorld w = new PciWorld();
            // The inode, as held by whoever opened the file before (or through /proc/self/fd): after
            // removal the path is ENOENT (the name is gone) and the held inode ENODEV, the section 4 row.
            Inode inode = w.sysfs.file(RESOURCE0).value().inode();
            // ENODEV for a second remover: the device is gone or going.
            return new DeviceSubject(w.log, w.kernel, PciWorld.RESOURCE0_ID, inode, PciWorld.BAR0_PAGES,
                    () -> w.bus.remove(PciWorld.BDF));
        }

        @Override
        public ErrnoTable errnos() {
            return SysfsColumn.EXPECTED;
        }

        @Override
        public Map<Case, String> notApplicable() {
            return Map.of(
                    Case.R01, "a memory BAR's resourceN has no read (sysfs_kf_bin_read: EIO without ->read), so no "
                            + "read can succeed in flight; R01 runs on the attribute file (SysfsAttributeConformanceTest)",
                    Case.R17, "R17 is uio's case: resourceN has no read that waits for an event",
                    Case.R19, "resourceN has no event source (nothing calls sysfs_notify on it), so a poll for "
                            + "news never wakes before the removal; R19 runs on the attribute file "
                            + "(SysfsAttributeConformanceTest)");
        }
    };

    @Override
    protected AdapterFixture fixture() {
        return FIXTURE;
    }
}
