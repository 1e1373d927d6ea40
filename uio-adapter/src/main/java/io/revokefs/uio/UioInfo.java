package io.revokefs.uio;

import io.revokefs.kernel.Result;

import java.util.List;
import java.util.Objects;

/**
 * What a driver registers ({@code struct uio_info}).
 *
 * @param name the device's name
 * @param mem its memory maps, at most {@link #MAX_UIO_MAPS}; map {@code i} is selected by mmap offset {@code i}
 * @param irq whether it has an interrupt; without one, read fails with EIO and poll reports POLLERR
 *     (the {@code !idev->info->irq} checks)
 * @param irqcontrol what a 4-byte write does ({@code info->irqcontrol}); null: write fails with ENOSYS
 */
public record UioInfo(String name, List<UioMem> mem, boolean irq, IrqControl irqcontrol) {
    /** {@code MAX_UIO_MAPS}. */
    public static final int MAX_UIO_MAPS = 5;

    /** {@code info->irqcontrol}: userspace wrote {@code irqOn} (1 enable, 0 disable). */
    @FunctionalInterface
    public interface IrqControl {
        Result<Void> irqcontrol(int irqOn);
    }

    public UioInfo {
        Objects.requireNonNull(name, "name");
        mem = List.copyOf(mem);
        if (mem.size() > MAX_UIO_MAPS) {
            throw new IllegalArgumentException("uio device '" + name + "': " + mem.size() + " maps, at most " + MAX_UIO_MAPS);
        }
    }
}
