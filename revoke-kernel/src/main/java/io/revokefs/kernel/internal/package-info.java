/**
 * Internal to revokefs: the interleaving hooks a schedule explorer installs ({@link Interleave}),
 * the lock-order checker ({@link LockOrder}, {@link TrackedLock}) and the kernel's entry points for
 * the revoke library alone ({@link KernelAccess}).
 *
 * <p>Not API. Only revoke-kernel, revoke-core, the reference device (revoke-testing) and the
 * explorer (revoke-explore) may use these types; an adapter may not, and the conformance suite's
 * {@code adapterUsesNoInternalApi} check fails an adapter whose main classes do. They may change in
 * any release.
 */
package io.revokefs.kernel.internal;
