package io.revokefs.core;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.WaitQueue;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A revocable resource: a pointer a provider (a driver, a device) hands to consumers that may outlive
 * it, and takes back. The resource-level form of revoke, with the contract of the 2026 Linux
 * {@code revocable} series (drivers/base/revocable.c: {@code revocable_try_access},
 * {@code revocable_withdraw_access}, {@code revocable_revoke}) and of Rust's
 * {@code kernel::revocable::Revocable} ({@code try_access}, {@code try_access_with}, {@code revoke},
 * {@code revoke_nosync}), built on the same {@link Guard} every file and vm operation of a
 * {@link RevocableObject} enters.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #tryAccess()} gives the resource, or nothing once {@link #revoke()} has begun (G1).</li>
 *   <li>{@link #revoke()} returns only after every access that got the resource has ended (G2); the
 *       accesses asleep in the resource's {@linkplain #newWaitQueue wait queues} are woken first, so
 *       that they can end. A second revoke, concurrent or later, waits for the first to finish and
 *       returns false (Rust's 2026 fix "rust: revocable: fix race between concurrent revokers": a
 *       losing revoker that returned at once let its caller free what the winner's release still
 *       used).</li>
 *   <li>The scoped forms end the access whatever the body does: {@code try (var a = r.tryAccess())},
 *       {@link #tryAccessWith}, {@link #tryAccessOrReturn}, {@link #tryAccessOrReturnErr},
 *       {@link #tryAccessOrSkip}.</li>
 *   <li>{@link #revokeNosync()} is the revoke for when no access can exist (Rust's unsafe
 *       {@code revoke_nosync}): it never waits for an access. Where Rust trusts the caller, this one
 *       checks: if an access is in flight it refuses with EBUSY and leaves the resource deactivated
 *       (no new access succeeds) and not yet released; a later {@link #revoke()} finishes it.</li>
 *   <li>Revoking one resource from inside an access to another does not deadlock (R32): each
 *       resource has its own guard, and a revoke waits for the accesses to that resource only. (A
 *       single grace period for every resource, as Rust's {@code Revocable::revoke} waits for with
 *       {@code synchronize_rcu()}, cannot be waited for inside a read-side section.) Revoking a
 *       resource from inside an access to the same resource would wait for itself: end the access
 *       first.</li>
 * </ul>
 *
 * <h2>No shared mutable index</h2>
 * Linux's {@code struct revocable} consumer kept the SRCU read-lock index in the handle
 * ({@code rev->idx = srcu_read_lock(...)}); two threads sharing one handle overwrote each other's
 * index and {@code synchronize_srcu()} in the revoke could never complete (Johan Hovold's review,
 * "Revert \"revocable: Revocable resource management\"", January 2026). Here the per-access state (the
 * guard token) lives only in the {@link Access} that {@link #tryAccess()} returns, and a {@link Handle}
 * is immutable, so a handle shared by any number of threads stays correct by construction. An
 * {@link Access} belongs to the code that got it: ending it twice is harmless, ending it from two
 * threads at once is a bug of the caller (as sending a Rust {@code RevocableGuard} to another thread
 * would be, which its type forbids).
 *
 * <h2>States</h2>
 * <pre>
 *   LIVE ──revoke()──▶ REVOKING ──drained, released──▶ REVOKED
 *     └──revokeNosync() with an access in flight──▶ STALLED ──revoke()──▶ REVOKING
 * </pre>
 *
 * <p>Thread-safe. {@link #tryAccess()} and ending an access are wait-free (the guard's enter and exit;
 * see docs/performance.md for their cost); only revoke waits.
 *
 * @param <T> the resource
 */
public final class Revocable<T> {
    private static final int LIVE = 0;
    private static final int REVOKING = 1;
    private static final int REVOKED = 2;
    private static final int STALLED = 3;

    @SuppressWarnings("rawtypes")
    private static final Access NONE = new Access<>(null, -1, null);

    private final String name;
    private final Guard guard = new Guard();
    private final AtomicInteger life = new AtomicInteger(LIVE);
    private final Consumer<? super T> release;
    private final WaitQueue revoked;
    private final List<WaitQueue> queues = new CopyOnWriteArrayList<>();
    /** Set once the guard is deactivated: an access that begins after reading it true is refused (G1). */
    private volatile boolean deactivated;
    /** Read only by an access that entered the guard; cleared after the drain, so never seen null inside. */
    private volatile T resource;
    /** Footprint key (Interleave.touch) of life, deactivated, resource and queues: its name, fixed at creation. */
    private final String key;

    private Revocable(String name, T resource, Consumer<? super T> release) {
        this.name = Objects.requireNonNull(name, "name");
        this.key = "revocable " + name;
        this.resource = Objects.requireNonNull(resource, "resource");
        this.release = release;
        this.revoked = new WaitQueue("revoked " + name);
    }

    /** {@code revocable_alloc}: a live resource; revoke only stops access to it. */
    public static <T> Revocable<T> of(String name, T resource) {
        return new Revocable<>(name, resource, null);
    }

    /**
     * A live resource whose {@code release} runs once, after the last access has ended, on the thread
     * whose revoke won (Rust drops the wrapped object there; a driver frees or unmaps it).
     */
    public static <T> Revocable<T> of(String name, T resource, Consumer<? super T> release) {
        return new Revocable<>(name, resource, Objects.requireNonNull(release, "release"));
    }

    public String name() {
        return name;
    }

    /**
     * True once a revoke has deactivated the resource: from then on no access succeeds (an access that
     * began before may still be in flight until the revoke returns).
     */
    public boolean isRevoked() {
        Interleave.touch(key, false);
        return deactivated;
    }

    /** True once a revoke has finished: every access has ended and the resource is released. */
    public boolean isReleased() {
        Interleave.touch(key, false);
        return life.get() == REVOKED;
    }

    // ---------------------------------------------------------------- access

    /**
     * {@code revocable_try_access}: the resource, in an {@link Access} to end with
     * {@link Access#close()} (best in try-with-resources); an empty access once revoke has begun.
     * Wait-free. The resource stays valid until the access ends.
     */
    @SuppressWarnings("unchecked")
    public Access<T> tryAccess() {
        int token = guard.tryEnter();
        if (token < 0) {
            return (Access<T>) NONE;
        }
        Interleave.touch(key, false);
        return new Access<>(this, token, resource);
    }

    /**
     * Rust's {@code try_access_with}: runs {@code body} on the resource inside an access, which ends
     * when it returns or throws. Empty when revoked, without running it.
     */
    public <R> Optional<R> tryAccessWith(Function<? super T, ? extends R> body) {
        int token = guard.tryEnter();
        if (token < 0) {
            return Optional.empty();
        }
        try {
            Interleave.touch(key, false);
            return Optional.ofNullable(body.apply(resource));
        } finally {
            guard.exit(token);
        }
    }

    /**
     * {@code revocable_try_access_or_return}: {@code body}'s result, or ENODEV when revoked (without
     * running it). The access ends when {@code body} returns or throws.
     */
    public <R> Result<R> tryAccessOrReturn(Function<? super T, Result<R>> body) {
        return tryAccessOrReturnErr(Errno.ENODEV, body);
    }

    /** {@code revocable_try_access_or_return_err}: as {@link #tryAccessOrReturn}, failing with {@code errno}. */
    public <R> Result<R> tryAccessOrReturnErr(Errno errno, Function<? super T, Result<R>> body) {
        Objects.requireNonNull(errno, "errno");
        int token = guard.tryEnter();
        if (token < 0) {
            return Result.err(errno);
        }
        try {
            Interleave.touch(key, false);
            return body.apply(resource);
        } finally {
            guard.exit(token);
        }
    }

    /**
     * {@code revocable_try_access_or_skip_scoped} (and {@code _or_return_void}): runs {@code body} on
     * the resource inside an access, or skips it when revoked. Returns whether it ran.
     */
    public boolean tryAccessOrSkip(Consumer<? super T> body) {
        int token = guard.tryEnter();
        if (token < 0) {
            return false;
        }
        try {
            Interleave.touch(key, false);
            body.accept(resource);
            return true;
        } finally {
            guard.exit(token);
        }
    }

    /**
     * {@code revocable_init}: a consumer handle, or ENODEV once revoke has begun (the provider is
     * gone or going). The handle is immutable and may be shared by any number of threads.
     */
    public Result<Handle<T>> handle() {
        if (isRevoked()) {
            return Result.err(Errno.ENODEV);
        }
        return Result.ok(new Handle<>(this));
    }

    /**
     * A wait queue for accesses that sleep while holding the resource (an SRCU read-side section may
     * sleep); revoke wakes it for good before waiting for the accesses, so they can see the revoke
     * and end. A queue made after revoke has begun is already woken.
     */
    public WaitQueue newWaitQueue(String queueName) {
        WaitQueue q = new WaitQueue(name + " " + queueName);
        Interleave.touch(key, true);
        queues.add(q);
        if (isRevoked()) {
            q.kill();
        }
        return q;
    }

    // ---------------------------------------------------------------- revoke

    /**
     * {@code revocable_revoke} / Rust's {@code revoke}: no access succeeds from now on; wakes the
     * sleepers; waits until every access that got the resource has ended; runs the release once.
     * Returns true for the call that revoked, false for one that found a revoke begun (it waited for
     * that revoke to finish). Must not be called from inside an access to this same resource (it
     * would wait for itself); from inside an access to another one it is fine (R32).
     */
    public boolean revoke() {
        while (!claim()) {
            if (awaitSettled() == REVOKED) {
                return false;
            }
            // A revokeNosync() found an access and stalled: this revoke finishes it.
        }
        deactivateAndWake();
        guard.drain();
        finish();
        return true;
    }

    /**
     * Rust's {@code revoke_nosync}: the revoke for when no access can exist, which never waits for an
     * access. {@code ok(true)}: this call revoked (and released); {@code ok(false)}: a revoke had begun
     * (this call waited for it to finish, as {@link #revoke()} does); {@code err(EBUSY)}: an access is
     * in flight (or an entrant racing this call may still become one), so nothing was released: the
     * resource stays deactivated, no access succeeds, its sleepers are woken, and a {@link #revoke()}
     * must finish it.
     */
    public Result<Boolean> revokeNosync() {
        if (!claim()) {
            return awaitSettled() == REVOKED ? Result.ok(false) : Result.err(Errno.EBUSY);
        }
        deactivateAndWake();
        if (guard.inFlight() != 0) {
            Interleave.touch(key, true);
            life.set(STALLED);
            revoked.wakeUp();
            return Result.err(Errno.EBUSY);
        }
        guard.drain(); // returns at once: nothing was in flight after deactivation
        finish();
        return Result.ok(true);
    }

    /** Makes the calling revoke the one that runs: LIVE or STALLED to REVOKING. */
    private boolean claim() {
        Interleave.touch(key, true);
        return life.compareAndSet(LIVE, REVOKING) || life.compareAndSet(STALLED, REVOKING);
    }

    /** Waits while another revoke runs; returns REVOKED, or STALLED when it was a refused revokeNosync. */
    private int awaitSettled() {
        revoked.waitEvent(() -> {
            Interleave.touch(key, false);
            int s = life.get();
            return s == REVOKED || s == STALLED;
        });
        Interleave.touch(key, false);
        return life.get();
    }

    private void deactivateAndWake() {
        guard.deactivate();
        Interleave.touch(key, true);
        deactivated = true;
        for (WaitQueue q : queues) {
            q.kill();
        }
    }

    private void finish() {
        Interleave.touch(key, true);
        T r = resource;
        resource = null;
        try {
            if (release != null) {
                release.accept(r);
            }
        } finally {
            Interleave.touch(key, true);
            life.set(REVOKED);
            revoked.wakeUp();
        }
    }

    /** Accesses in flight, at most (see {@link Guard#inFlight()}); zero once revoke has returned. */
    public long accessesInFlight() {
        return guard.inFlight();
    }

    @Override
    public String toString() {
        return "Revocable[" + name + (isRevoked() ? ", revoked]" : "]");
    }

    // ---------------------------------------------------------------- access and handle

    /**
     * One access to a revocable resource, from {@link Revocable#tryAccess()} or
     * {@link Handle#tryAccess()}: the resource ({@link #get()}), valid until {@link #close()}, or
     * nothing ({@link #isPresent()} false) when the resource was revoked. Closing ends the access;
     * closing again does nothing. An empty access needs no close, and closing it is harmless, so
     * {@code try (var a = r.tryAccess()) { if (a.isPresent()) ... }} is always right.
     *
     * @param <T> the resource
     */
    public static final class Access<T> implements AutoCloseable {
        private final Revocable<T> owner;
        private final int token;
        private final T resource;
        private boolean ended;

        private Access(Revocable<T> owner, int token, T resource) {
            this.owner = owner;
            this.token = token;
            this.resource = resource;
        }

        /** Whether this access got the resource. */
        public boolean isPresent() {
            return owner != null;
        }

        /** The resource; throws for an empty access or one already ended (a bug of the caller). */
        public T get() {
            if (owner == null) {
                throw new NoSuchElementException("the resource was revoked");
            }
            if (ended) {
                throw new IllegalStateException("access to " + owner.name + " used after it ended");
            }
            return resource;
        }

        /** The resource, or {@code null} when revoked ({@code revocable_try_access}'s NULL). */
        public T orNull() {
            return owner == null ? null : get();
        }

        /** {@code revocable_withdraw_access}: ends the access. Idempotent. */
        @Override
        public void close() {
            if (owner == null || ended) {
                return;
            }
            ended = true;
            owner.guard.exit(token);
        }
    }

    /**
     * A consumer's handle on a revocable resource ({@code struct revocable_consumer}): immutable, so
     * any number of threads may share one; each {@link #tryAccess()} returns its own {@link Access}.
     *
     * @param <T> the resource
     */
    public static final class Handle<T> {
        private final Revocable<T> provider;

        private Handle(Revocable<T> provider) {
            this.provider = provider;
        }

        /** {@code revocable_try_access} through the handle: the resource, or an empty access once revoked. */
        public Access<T> tryAccess() {
            return provider.tryAccess();
        }

        public Revocable<T> provider() {
            return provider;
        }
    }
}
