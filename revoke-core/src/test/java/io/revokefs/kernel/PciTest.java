package io.revokefs.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PCI addresses as sysfs spells them ({@code pci_name}: {@code %04x:%02x:%02x.%d}) and BARs as the
 * scenario language declares them; tested from the core (mutation testing, issue 18 point 12).
 */
class PciTest {

    @Test
    void anAddressParsesAndPrintsAsSysfsNamesIt() {
        Pci.Address a = Pci.Address.parse("0001:0a:1f.7");
        assertThat(a).isEqualTo(new Pci.Address(1, 0x0a, 0x1f, 7));
        assertThat(a).hasToString("0001:0a:1f.7");
        assertThat(new Pci.Address(0, 0, 2, 0)).hasToString("0000:00:02.0");
        assertThat(new Pci.Address(0xffff, 0xff, 0x1f, 7)).hasToString("ffff:ff:1f.7");
        // Every field's lowest value: the host bridge's address.
        assertThat(Pci.Address.parse("0000:00:00.0")).isEqualTo(new Pci.Address(0, 0, 0, 0));
    }

    @Test
    void anAddressOutOfRangeOrMisspelledIsRefused() {
        for (String bad : new String[] {"0000:00:20.0", "0000:00:02.8", "00:02.0", "0000:00:02.0 ", "0000:00:0A.0"}) {
            assertThatThrownBy(() -> Pci.Address.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected domain:bus:device.function");
        }
        assertThatThrownBy(() -> new Pci.Address(0x10000, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(-1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(0, 0x100, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(0, -1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(0, 0, 0x20, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(0, 0, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(0, 0, 0, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pci.Address(0, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBarCoversItsPagesAndOverlapsOnlyWhatItShares() {
        Pci.Bar bar = Pci.Bar.at(0, 4, 0x100);
        assertThat(bar.isPlaced()).isTrue();
        assertThat(bar.covers(0x100, 4)).isTrue();
        assertThat(bar.covers(0x103, 1)).isTrue();
        assertThat(bar.covers(0x103, 2)).as("one page past the end").isFalse();
        assertThat(bar.covers(0xff, 1)).isFalse();
        assertThat(bar.overlaps(Pci.Bar.at(1, 1, 0x103))).isTrue();
        assertThat(bar.overlaps(Pci.Bar.at(1, 1, 0x104))).as("adjacent").isFalse();
        assertThat(bar.overlaps(Pci.Bar.at(1, 1, 0xff))).isFalse();
        assertThat(bar.overlaps(Pci.Bar.at(1, 2, 0xff))).isTrue();
        assertThat(bar).hasToString("BAR0 4 pages @0x100");
        Pci.Bar unplaced = Pci.Bar.of(2, 8);
        assertThat(unplaced.isPlaced()).isFalse();
        assertThat(unplaced.covers(0, 1)).as("an unplaced BAR covers nothing").isFalse();
        assertThat(unplaced).hasToString("BAR2 8 pages");
    }

    @Test
    void aBarOutOfRangeIsRefused() {
        assertThatThrownBy(() -> Pci.Bar.of(6, 1)).hasMessage("BAR index 6 out of range 0..5");
        assertThatThrownBy(() -> Pci.Bar.of(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pci.Bar.of(5, 0)).hasMessage("BAR5: size must be at least one page, got 0");
        assertThatThrownBy(() -> Pci.Bar.at(0, 1, -5)).hasMessage("BAR0: bad first page -5");
        assertThat(Pci.Bar.at(0, 1, 0).isPlaced()).as("page 0 is a place").isTrue();
        assertThat(Pci.Bar.of(5, 1).index()).isEqualTo(5);
    }
}
