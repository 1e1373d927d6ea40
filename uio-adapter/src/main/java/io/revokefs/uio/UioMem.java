package io.revokefs.uio;

import java.util.Objects;

/**
 * One memory map of a uio device ({@code struct uio_mem}): userspace selects it with
 * {@code mmap(..., offset = index * PAGE_SIZE)}.
 *
 * @param name what the map is (sysfs {@code maps/mapN/name})
 * @param type how it is mapped
 * @param pages its size in pages
 */
public record UioMem(String name, Type type, long pages) {

    /** {@code UIO_MEM_*}. */
    public enum Type {
        /** Device memory: {@code uio_mmap_physical}, every page mapped at mmap ({@code remap_pfn_range}). */
        PHYS,
        /** Kernel RAM ({@code kmalloc}): {@code uio_mmap_logical}, pages supplied on fault. */
        LOGICAL,
        /** Kernel virtual memory ({@code vmalloc}): as {@link #LOGICAL}. */
        VIRTUAL
    }

    public UioMem {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (pages <= 0) {
            throw new IllegalArgumentException("uio map '" + name + "': size must be at least one page, got " + pages);
        }
    }
}
