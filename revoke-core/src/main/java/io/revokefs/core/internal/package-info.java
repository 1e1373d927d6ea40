/**
 * Internal to revokefs: the planted bugs of the library's own steps ({@link PlantedBugs}), set by
 * the explorer's controls. The simulated kernel's internal package,
 * {@code io.revokefs.kernel.internal} (revoke-kernel), holds the interleaving hooks, the lock-order
 * checker and the kernel's library-only entry points.
 *
 * <p>Not API. Only revoke-core itself, the reference device (revoke-testing) and the explorer
 * (revoke-explore) may use these types; an adapter may not, and the conformance suite's
 * {@code adapterUsesNoInternalApi} check fails an adapter whose main classes do. They may change in
 * any release.
 */
package io.revokefs.core.internal;
