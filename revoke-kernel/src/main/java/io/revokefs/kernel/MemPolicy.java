package io.revokefs.kernel;

import java.util.Objects;
import java.util.Set;

/**
 * A NUMA memory policy ({@code struct mempolicy}) as {@code mbind(2)} sets it on a VMA
 * ({@code vma->vm_policy}) and {@code get_mempolicy(MPOL_F_ADDR)} reads it back.
 *
 * @param mode {@code MPOL_BIND}, {@code MPOL_INTERLEAVE}, ... by name
 * @param nodes the node mask
 */
public record MemPolicy(String mode, Set<Integer> nodes) {
    public MemPolicy {
        Objects.requireNonNull(mode, "mode");
        nodes = Set.copyOf(nodes);
    }
}
