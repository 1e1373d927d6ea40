package io.revokefs.kernel;

/**
 * What the simulated kernel reports of its own doing, as Linux reports through tracepoints: today
 * one, the zap of {@code revoke_iomem} (kernel/resource.c). revoke-core's {@code EventRecorder} is
 * the implementation every kernel of a run is given; it records the zap as a
 * {@code MappingsZapped} event of the object {@link Kernel#IOMEM_OBJECT}.
 */
public interface Tracepoints {
    /**
     * {@code revoke_iomem} ran {@code unmap_mapping_range} on the iomem mapping for
     * {@code pages} pages from {@code firstPfn}: {@code vmas} VMAs were hit, {@code ptes} PTEs removed,
     * in the address_space {@code mapping}.
     */
    void iomemRevoked(int vmas, long ptes, String mapping, long firstPfn, long pages);
}
