package io.revokefs.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulated physical address space: RAM and device MMIO ranges, each backed by one word a page,
 * and the queries /dev/mem and BAR placement ask of it ({@code page_is_ram}, {@code
 * region_intersects}). Tested from the core alone: mutation testing (issue 18 point 12) found it
 * exercised only through the adapters.
 */
class PhysicalMemoryTest {
    private final PhysicalMemory phys = new PhysicalMemory();

    @Test
    void aRegionHoldsItsPagesAndNoOther() {
        PhysicalMemory.Region ram = phys.addRam(0x100, 0x10);
        PhysicalMemory.Region bar = phys.addMmio(0x200, 4, "0000:00:02.0 BAR0");
        assertThat(ram.lastPfn()).isEqualTo(0x10f);
        assertThat(phys.regionOf(0x100)).isEqualTo(ram);
        assertThat(phys.regionOf(0x10f)).isEqualTo(ram);
        assertThat(phys.regionOf(0x110)).isNull();
        assertThat(phys.regionOf(0xff)).isNull();
        assertThat(phys.regionOf(0x203)).isEqualTo(bar);
        assertThat(phys.isRam(0x105)).isTrue();
        assertThat(phys.isRam(0x201)).as("MMIO is not RAM").isFalse();
        assertThat(phys.isRam(0x300)).as("a hole is not RAM").isFalse();
        assertThat(bar.owner()).isEqualTo("0000:00:02.0 BAR0");
        assertThat(ram.owner()).isEqualTo("System RAM");
    }

    @Test
    void eachPageHoldsAWordAndAHoleHoldsNothing() {
        phys.addMmio(0x200, 2, "bar");
        boolean[] ok = {false};
        assertThat(phys.store(0x201, 77)).isTrue();
        assertThat(phys.load(0x201, ok)).isEqualTo(77);
        assertThat(ok[0]).isTrue();
        assertThat(phys.load(0x200, ok)).as("the other page is untouched").isZero();
        assertThat(phys.store(0x202, 1)).as("past the region").isFalse();
        phys.load(0x202, ok);
        assertThat(ok[0]).isFalse();
    }

    @Test
    void anOverlapOrABadRangeIsRefusedNamingTheClash() {
        phys.addRam(0x100, 0x10);
        assertThatThrownBy(() -> phys.addMmio(0x10f, 2, "bar")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("physical range [0x10f-0x110] (MMIO bar) overlaps [0x100-0x10f] (RAM System RAM)");
        assertThatThrownBy(() -> phys.addMmio(0xf0, 0x20, "wide")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> phys.addRam(0x400, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> phys.addRam(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> phys.addRam(0x1000, 1L << 31)).hasMessageContaining("too large");
        phys.addMmio(0x110, 1, "adjacent"); // the page after the RAM is free
        phys.addMmio(0xff, 1, "before"); // and the one before it
        assertThat(phys.addRam(0, 1).firstPfn()).as("page 0 is a page").isZero();
    }

    @Test
    void intersectsRamLooksAtEveryRegionTheRangeTouches() {
        phys.addMmio(0x100, 4, "bar");
        phys.addRam(0x108, 4);
        assertThat(phys.intersectsRam(0x100, 4)).isFalse();
        assertThat(phys.intersectsRam(0x100, 8)).as("ends just before the RAM").isFalse();
        assertThat(phys.intersectsRam(0x100, 9)).isTrue();
        assertThat(phys.intersectsRam(0x10b, 10)).as("starts on the RAM's last page").isTrue();
        assertThat(phys.intersectsRam(0x10c, 10)).isFalse();
        assertThat(phys.intersectsRam(0x0, 0x100)).isFalse();
        assertThat(phys.intersectsRam(0x0, 0x200)).isTrue();
    }

    @Test
    void findFreeSkipsEveryRegionInTheWay() {
        phys.addRam(0x100, 0x10);
        phys.addMmio(0x112, 2, "bar");
        assertThat(phys.findFree(0x10, 0)).isEqualTo(0);
        assertThat(phys.findFree(0x101, 0)).as("does not fit below the RAM").isEqualTo(0x114);
        assertThat(phys.findFree(2, 0x100)).isEqualTo(0x110);
        assertThat(phys.findFree(3, 0x100)).as("the hole [0x110, 0x112) is too small").isEqualTo(0x114);
        assertThat(phys.findFree(1, 0x200)).isEqualTo(0x200);
        assertThat(phys.findFree(1, 0x10f)).as("from the RAM's last page").isEqualTo(0x110);
    }

    @Test
    void aRemovedRegionLeavesAHole() {
        PhysicalMemory.Region bar = phys.addMmio(0x200, 4, "bar");
        phys.remove(bar);
        assertThat(phys.regionOf(0x200)).isNull();
        phys.addRam(0x200, 4); // the range is free again
        assertThat(phys.isRam(0x203)).isTrue();
    }
}
