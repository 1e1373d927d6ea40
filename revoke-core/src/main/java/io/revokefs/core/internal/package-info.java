/**
 * Internal to revokefs: the interleaving hooks a schedule explorer installs ({@link
 * io.revokefs.kernel.internal.Interleave}), the lock-order checker ({@link
 * io.revokefs.kernel.internal.LockOrder}, {@link io.revokefs.kernel.internal.TrackedLock}) and the
 * kernel's library-only entry points ({@link io.revokefs.kernel.internal.KernelAccess}).
 *
 * <p>Not API. Only revoke-core itself, the reference device (revoke-testing) and the explorer
 * (revoke-explore) may use these types; an adapter may not, and the conformance suite's
 * {@code AdapterUsesNoInternalApi} check fails an adapter whose main classes do. They may change in
 * any release.
 */
package io.revokefs.core.internal;
