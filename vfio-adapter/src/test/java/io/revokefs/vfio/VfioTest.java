package io.revokefs.vfio;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.RevokeEvent.MappingsZapped;
import io.revokefs.core.event.RevokeEvent.MemoryToggled;
import io.revokefs.core.event.RevokeEvent.RevokeStarted;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.devmem.DevMem;
import io.revokefs.sysfs.PciBus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.revokefs.vfio.VfioWorld.page;
import static org.assertj.core.api.Assertions.assertThat;

/** The vfio-pci adapter's behaviours, one at a time, with the lock order checked on every path. */
class VfioTest {

    @BeforeEach
    void checkLocks() {
        LockOrder.clearViolations();
        LockOrder.setChecking(true);
    }

    @AfterEach
    void noViolation() {
        LockOrder.setChecking(false);
        assertThat(LockOrder.violations()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(VfioPci.Populate.class)
    void aBarIsMappedThroughTheDeviceFileWithTheRegionIndexInTheTopBitsOfVmPgoff(VfioPci.Populate populate) {
        VfioWorld w = new VfioWorld(populate);
        Process p = w.root();
        OpenFile f = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 2, 2, 1);
        assertThat(v.pgoff()).isEqualTo((2L << 28) + 1);
        assertThat(v.file().mapping()).isSameAs(w.device.object().mapping());
        assertThat(v.file().mapping()).isNotSameAs(w.kernel.iomemMapping());
        assertThat(p.load(page(v, 1)).isOk()).isTrue();
        assertThat(p.mm().populatedPages(v)).isEqualTo(populate == VfioPci.Populate.EAGER ? 2 : 1);
        assertThat(w.kernel.lookup(VfioWorld.PATH).isOk()).isTrue();
        assertThat(w.audit()).isEmpty();
    }

    @Test
    void anMmapBeyondTheBarOrOfANonBarRegionIsEinval() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process p = w.root();
        OpenFile f = w.open(p);
        assertThat(VfioDevice.mmap(p, f, 2, 4, 1).errnoOrNull()).isEqualTo(Errno.EINVAL); // BAR2 has 4 pages
        assertThat(VfioDevice.mmap(p, f, 1, 1, 0).errnoOrNull()).isEqualTo(Errno.EINVAL); // no BAR1
        assertThat(VfioDevice.mmap(p, f, VfioDevice.ROM_REGION_INDEX, 1, 0).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(VfioDevice.mmap(p, f, VfioDevice.CONFIG_REGION_INDEX, 1, 0).errnoOrNull()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void theFirstMmapOfABarClaimsItsRegionZappingTheOtherViewsAndRefusingThemLater() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process q = w.root();
        OpenFile res0 = q.open(PciBus.resourcePath(VfioWorld.BDF, 0), false).value();
        Vma viaSysfs = q.mmap(res0, 2, 0, true).value();
        OpenFile mem = q.open(DevMem.PATH, false).value();
        Vma viaDevMem = q.mmap(mem, 2, VfioWorld.BAR0_PFN, true).value();
        Vma bar2ViaDevMem = q.mmap(mem, 1, VfioWorld.BAR2_PFN, true).value();
        for (Vma v : new Vma[] {viaSysfs, viaDevMem, bar2ViaDevMem}) {
            assertThat(q.load(page(v, 0)).isOk()).isTrue();
        }

        Process p = w.root();
        OpenFile f = w.open(p);
        VfioWorld.mmap(p, f, 0, 1, 0);

        assertThat(q.mm().populatedPages(viaSysfs)).isZero();
        assertThat(q.mm().populatedPages(viaDevMem)).isZero();
        assertThat(q.load(page(viaSysfs, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(q.mmap(res0, 1, 0, true).errnoOrNull()).isEqualTo(Errno.EINVAL);
        assertThat(q.mmap(mem, 1, VfioWorld.BAR0_PFN, true).errnoOrNull()).isEqualTo(Errno.EPERM);
        // BAR2 is not claimed yet: its view keeps its PTE, until the first read of BAR2 claims it.
        assertThat(q.mm().populatedPages(bar2ViaDevMem)).isEqualTo(1);
        assertThat(VfioDevice.readBar(p, f, 2, 0, 4).isOk()).isTrue();
        assertThat(q.mm().populatedPages(bar2ViaDevMem)).isZero();
        assertThat(w.audit()).isEmpty();
    }

    @Test
    void theLastCloseReleasesTheClaims() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process p = w.root();
        OpenFile f = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 0, 1, 0);
        assertThat(w.kernel.iomem().isBusy(VfioWorld.BAR0_PFN, 1)).isTrue();
        p.close(f);
        assertThat(w.kernel.iomem().isBusy(VfioWorld.BAR0_PFN, 1)).isTrue(); // the VMA holds the file
        p.munmap(v.start(), 1);
        assertThat(w.kernel.iomem().isBusy(VfioWorld.BAR0_PFN, 1)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(VfioPci.Populate.class)
    void memoryOffZapsEveryBarMappingFaultsSigbusAndBarAccessIsEio(VfioPci.Populate populate) {
        VfioWorld w = new VfioWorld(populate);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        Vma a = VfioWorld.mmap(p, f, 0, 2, 0);
        Vma b = VfioWorld.mmap(p, f, 2, 1, 0);
        assertThat(p.load(page(a, 0)).isOk()).isTrue();
        assertThat(p.load(page(b, 0)).isOk()).isTrue();

        assertThat(VfioDevice.writeMemoryBit(p, cfg, false).isOk()).isTrue();

        assertThat(w.device.isMemoryEnabled()).isFalse();
        assertThat(p.mm().populatedPages(a) + p.mm().populatedPages(b)).isZero();
        assertThat(p.load(page(a, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.store(page(b, 0), 7).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(VfioDevice.readBar(p, f, 0, 0, 4).errnoOrNull()).isEqualTo(Errno.EIO);
        assertThat(VfioDevice.writeBar(p, f, 2, 8, new byte[4]).errnoOrNull()).isEqualTo(Errno.EIO);
        // The device stays: its file works, the object is not revoked, a new mmap succeeds (empty).
        assertThat(w.device.object().isRevoked()).isFalse();
        Vma c = VfioWorld.mmap(p, f, 0, 1, 4);
        assertThat(p.mm().populatedPages(c)).isZero();
        assertThat(w.events(MemoryToggled.class)).extracting(MemoryToggled::memory, MemoryToggled::cause)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("off", VfioDevice.CAUSE_CONFIG_WRITE));
        assertThat(w.events(MappingsZapped.class)).hasSize(1);
        assertThat(w.events(RevokeStarted.class)).isEmpty();
        assertThat(w.audit()).isEmpty();
    }

    @Test
    void onFault_memoryOnLetsEveryPageFaultBackIn() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        Vma a = VfioWorld.mmap(p, f, 0, 3, 0);
        assertThat(p.load(page(a, 0)).isOk()).isTrue();
        VfioDevice.writeMemoryBit(p, cfg, false);
        VfioDevice.writeMemoryBit(p, cfg, true);
        assertThat(p.mm().populatedPages(a)).isZero(); // nothing comes back by itself
        for (int i = 0; i < 3; i++) {
            assertThat(p.load(page(a, i)).isOk()).isTrue();
        }
        assertThat(VfioDevice.readBar(p, f, 0, 0, 4).isOk()).isTrue();
        assertThat(w.audit()).isEmpty();
    }

    @Test
    void eager_memoryOnRepopulatesEveryVmaOfEveryProcessAndFaultsOnlyRaiseSigbus() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.EAGER);
        Process p = w.root();
        OpenFile f = w.open(p);
        Vma a = VfioWorld.mmap(p, f, 0, 3, 0);
        Process child = p.fork();
        Vma ca = child.mm().vmas().get(0);
        Process q = w.root();
        OpenFile g = w.open(q);
        Vma b = VfioWorld.mmap(q, g, 2, 4, 0);
        assertThat(p.mm().populatedPages(a)).isEqualTo(3); // populated right after the link
        assertThat(q.mm().populatedPages(b)).isEqualTo(4);

        VfioDevice.writeMemoryBit(q, g, false);
        assertThat(p.mm().populatedPages(a) + child.mm().populatedPages(ca) + q.mm().populatedPages(b)).isZero();
        VfioDevice.writeMemoryBit(q, g, true);

        assertThat(p.mm().populatedPages(a)).isEqualTo(3);
        assertThat(child.mm().populatedPages(ca)).isEqualTo(3);
        assertThat(q.mm().populatedPages(b)).isEqualTo(4);
        // The eager fault handler only raises SIGBUS: nothing faults back while memory is off.
        VfioDevice.writeMemoryBit(q, g, false);
        assertThat(p.load(page(a, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(w.audit()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(VfioPci.Populate.class)
    void resetZapsResetsAndRestoresTheCommandRegister(VfioPci.Populate populate) {
        VfioWorld w = new VfioWorld(populate);
        Process p = w.root();
        OpenFile f = w.open(p);
        Vma a = VfioWorld.mmap(p, f, 0, 2, 0);
        assertThat(p.load(page(a, 0)).isOk()).isTrue();

        assertThat(VfioDevice.reset(p, f).isOk()).isTrue();

        assertThat(w.device.isMemoryEnabled()).isTrue();
        assertThat(w.events(MemoryToggled.class)).extracting(MemoryToggled::memory, MemoryToggled::cause).containsExactly(
                org.assertj.core.groups.Tuple.tuple("off", VfioDevice.CAUSE_RESET), org.assertj.core.groups.Tuple.tuple("on", VfioDevice.CAUSE_RESET));
        assertThat(w.events(MappingsZapped.class)).hasSize(1);
        if (populate == VfioPci.Populate.EAGER) {
            assertThat(p.mm().populatedPages(a)).isEqualTo(2);
        } else {
            assertThat(p.mm().populatedPages(a)).isZero();
            assertThat(p.load(page(a, 1)).isOk()).isTrue();
        }
        // With memory off before the reset it stays off after it.
        VfioDevice.writeMemoryBit(p, f, false);
        VfioDevice.reset(p, f);
        assertThat(w.device.isMemoryEnabled()).isFalse();
        assertThat(p.load(page(a, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(w.audit()).isEmpty();
    }

    @Test
    void anUnknownIoctlIsEnotty() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process p = w.root();
        OpenFile f = w.open(p);
        assertThat(p.ioctl(f, 0x1234, 0).errnoOrNull()).isEqualTo(Errno.ENOTTY);
    }

    @ParameterizedTest
    @EnumSource(VfioPci.Populate.class)
    void hotUnplugRevokesTheDeviceFileEverythingIsEnodevAndFaultsSigbus(VfioPci.Populate populate) {
        VfioWorld w = new VfioWorld(populate);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        Vma a = VfioWorld.mmap(p, f, 0, 2, 0);
        assertThat(p.load(page(a, 0)).isOk()).isTrue();

        assertThat(w.bus.remove(VfioWorld.BDF).isOk()).isTrue();

        assertThat(w.device.object().isRevoked()).isTrue();
        assertThat(p.mm().populatedPages(a)).isZero();
        assertThat(p.load(page(a, 0)).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.open(VfioWorld.PATH, false).errnoOrNull()).isEqualTo(Errno.ENOENT);
        assertThat(p.open(w.device.inode(), false).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(VfioDevice.readBar(p, f, 0, 0, 4).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(VfioDevice.writeBar(p, f, 0, 0, new byte[4]).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(VfioDevice.reset(p, f).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(VfioDevice.mmap(p, f, 0, 1, 0).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(VfioDevice.writeMemoryBit(p, cfg, true).errnoOrNull()).isEqualTo(Errno.ENODEV);
        assertThat(w.vfio.device(VfioWorld.BDF)).isEmpty();
        assertThat(w.audit()).isEmpty();
    }

    @Test
    void configSpaceReadsShowTheCommandRegister() {
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process p = w.root();
        OpenFile f = w.open(p);
        f.setPosition(VfioDevice.regionOffset(VfioDevice.CONFIG_REGION_INDEX, VfioDevice.PCI_COMMAND));
        assertThat(p.read(f, 2).value()).containsExactly(VfioDevice.PCI_COMMAND_MEMORY, 0);
        f.setPosition(12);
        VfioDevice.writeMemoryBit(p, f, false);
        assertThat(f.position()).as("a pwrite leaves the position").isEqualTo(12);
        f.setPosition(VfioDevice.regionOffset(VfioDevice.CONFIG_REGION_INDEX, VfioDevice.PCI_COMMAND));
        assertThat(p.read(f, 2).value()).containsExactly(0, 0);
    }

    @Test
    void llseekOfTheDeviceFileIsEspipeBeforeAndAfterTheRevokeWhilePreadOffsetsStillWork() {
        // vfio_device_fops has no .llseek: do_dentry_open clears FMODE_LSEEK, vfs_llseek says ESPIPE.
        VfioWorld w = new VfioWorld(VfioPci.Populate.ON_FAULT);
        Process p = w.root();
        OpenFile f = w.open(p);
        assertThat(f.seekable()).isFalse();
        assertThat(p.llseek(f, 0, 0).errnoOrNull()).isEqualTo(Errno.ESPIPE);
        f.setPosition(VfioDevice.regionOffset(VfioDevice.CONFIG_REGION_INDEX, VfioDevice.PCI_COMMAND));
        assertThat(p.read(f, 2).value()).as("a pread at the region's offset").containsExactly(VfioDevice.PCI_COMMAND_MEMORY, 0);
        assertThat(w.bus.remove(VfioWorld.BDF).isOk()).isTrue();
        assertThat(p.llseek(f, 0, 0).errnoOrNull()).isEqualTo(Errno.ESPIPE);
        assertThat(w.audit()).isEmpty();
    }
}
