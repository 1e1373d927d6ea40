package io.revokefs.core;

import io.revokefs.kernel.internal.Interleave;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The start_using/stop_using guard of one revocable object: kernfs active references, redesigned so
 * that entering costs one uncontended atomic add.
 *
 * <h2>States</h2>
 * <pre>
 *   ACTIVE ──deactivate()──▶ DEACTIVATED ──drain() returns──▶ DRAINED
 * </pre>
 * <ul>
 *   <li><b>ACTIVE</b>: any thread may {@link #tryEnter()}; it succeeds and must be paired with
 *       {@link #exit(int)} on the returned token.</li>
 *   <li><b>DEACTIVATED</b>: {@link #tryEnter()} fails (G1). Holders of a token still run and exit.
 *       One thread, the revoker, may call {@link #drain()}.</li>
 *   <li><b>DRAINED</b>: every successful entry has exited (G2). Nothing reaches the driver through
 *       this guard again.</li>
 * </ul>
 *
 * <h2>Design</h2>
 * Instead of one shared counter driven negative with a bias ({@code kn->active} plus
 * {@code KN_DEACTIVATED_BIAS}), the count is striped over padded cells chosen by thread, so two
 * threads entering one object do not fight over a cache line. Entry increments a cell and then reads
 * the state; deactivation writes the state and then sums the cells. Both sides are volatile
 * (sequentially consistent) accesses, so this is Dekker's pattern: either the entrant sees
 * DEACTIVATED (and backs out) or the drainer's sum sees the entrant's increment (and waits for its
 * exit). A cell may transiently count an entrant that is backing out; that only delays the drain.
 * Entry reads the state once before incrementing too, so once deactivation is visible an entrant
 * is refused without touching a cell: only the entrants that raced deactivation itself can back
 * out through a cell, and a caller retrying refused operations in a loop cannot hold off the drain.
 *
 * <h2>Self-removal (G3)</h2>
 * An operation that revokes its own object first gives up its reference with
 * {@link #breakProtection(int)} ({@code kernfs_break_active_protection}), so the drain does not wait
 * for itself, and takes it back unconditionally with {@link #unbreakProtection(int)} before its
 * final {@link #exit(int)}.
 *
 * <h2>Cost (G4)</h2>
 * {@link #tryEnter()} and {@link #exit(int)} never wait: an atomic add and one or two volatile reads. Only
 * {@link #drain()} waits.
 */
public final class Guard {
    private static final int ACTIVE = 0;
    private static final int DEACTIVATED = 1;
    private static final int DRAINED = 2;

    /** Longs per cell: 128 bytes, two cache lines, so adjacent-line prefetch does not share them either. */
    private static final int STRIDE = 16;
    private static final int CELLS = cellCount();

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STATE;
    private static final VarHandle DRAINER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Guard.class, "state", int.class);
            DRAINER = l.findVarHandle(Guard.class, "drainer", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Cell i lives at index (i + 1) * STRIDE: a stride of padding before the first and after the last. */
    private final long[] counts = new long[(CELLS + 2) * STRIDE];
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    @SuppressWarnings("unused") // through DRAINER
    private volatile Thread drainer;

    // Accessors named by their ordering, as JCTools does: lv = load volatile, sv = store volatile,
    // cas = compare-and-set, getAndAdd = volatile read-modify-write; all sequentially consistent.
    //
    // The Dekker pair: tryEnter() does getAndAddCell(+1) and then lvState(); deactivate() does
    // casState(ACTIVE, DEACTIVATED) and then inFlight() sums the cells with lvCell(). Each side
    // writes its variable and then reads the other's, all accesses SC, so at least one of them sees
    // the other's write: the entrant sees DEACTIVATED and backs out, or the drainer counts it.

    // Footprints for the explorer (Interleave.touch), declared in the accessors, the only code that
    // reads or writes the guard's shared state: the cells are only added to (commutative), summed by
    // inFlight(); the state and the drainer are read and written.
    private static final String STATE_KEY = "guard state";
    private static final String CELLS_KEY = "guard cells";
    private static final String DRAINER_KEY = "guard drainer";

    private int lvState() {
        Interleave.touch(STATE_KEY, false);
        return (int) STATE.getVolatile(this);
    }

    private boolean casState(int expect, int update) {
        Interleave.touch(STATE_KEY, true);
        return STATE.compareAndSet(this, expect, update);
    }

    private void svState(int update) {
        Interleave.touch(STATE_KEY, true);
        STATE.setVolatile(this, update);
    }

    private void getAndAddCell(int cell, long delta) {
        Interleave.touchAdd(CELLS_KEY);
        CELL.getAndAdd(counts, cell, delta);
    }

    private long lvCell(int cell) {
        Interleave.touch(CELLS_KEY, false);
        return (long) CELL.getVolatile(counts, cell);
    }

    private Thread lvDrainer() {
        Interleave.touch(DRAINER_KEY, false);
        return (Thread) DRAINER.getVolatile(this);
    }

    private void svDrainer(Thread drainer) {
        Interleave.touch(DRAINER_KEY, true);
        DRAINER.setVolatile(this, drainer);
    }

    private static int cellCount() {
        int n = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 2 - 1) * 2;
        return Math.min(n, 64);
    }

    @SuppressWarnings("deprecation") // Thread.getId: threadId() needs Java 19
    private static int cellOfCurrentThread() {
        long id = Thread.currentThread().getId();
        int h = (int) (id * 0x9E3779B97F4A7C15L >>> 40);
        return ((h & (CELLS - 1)) + 1) * STRIDE;
    }

    /**
     * {@code kernfs_get_active}: enters the guard. Returns a token for {@link #exit(int)}, or -1 when
     * the guard is deactivated. Wait-free.
     */
    public int tryEnter() {
        Interleave.point("guard enter");
        // Refuse without touching a cell once deactivated (as atomic_inc_unless_negative does):
        // an entrant retrying in a loop must not keep a cell transiently non-zero, and its exit
        // must not unpark the drainer, or a busy caller can hold a drain off indefinitely.
        if (lvState() != ACTIVE) {
            return -1;
        }
        int cell = cellOfCurrentThread();
        getAndAddCell(cell, 1L); // Dekker, entrant's write; the drainer's read is inFlight()
        if (lvState() != ACTIVE) { // Dekker, entrant's read; the drainer's write is deactivate()
            exit(cell);
            return -1;
        }
        return cell;
    }

    /** {@code kernfs_put_active}: leaves the guard; wakes the drainer once deactivated. Wait-free. */
    public void exit(int token) {
        Interleave.point("guard exit");
        getAndAddCell(token, -1L);
        if (lvState() != ACTIVE) {
            Thread d = lvDrainer();
            if (d != null) {
                LockSupport.unpark(d);
            }
        }
    }

    /**
     * Stops new entries (G1). Idempotent; returns true for the call that deactivated.
     */
    public boolean deactivate() {
        Interleave.point("guard deactivate");
        return casState(ACTIVE, DEACTIVATED); // Dekker, drainer's write
    }

    /**
     * Entries not yet exited, at most: an entrant backing out after deactivation may still be
     * counted. Exact once {@link #drain()} has returned (zero).
     */
    public long inFlight() {
        long sum = 0;
        for (int i = 1; i <= CELLS; i++) {
            sum += lvCell(i * STRIDE); // Dekker, drainer's read
        }
        return sum;
    }

    /**
     * {@code kernfs_drain}: waits until every entry that succeeded has exited (G2). Requires
     * {@link #deactivate()} first. One drainer at a time; a second caller waits like the first.
     */
    public void drain() {
        if (lvState() == ACTIVE) {
            throw new IllegalStateException("drain() before deactivate()");
        }
        svDrainer(Thread.currentThread());
        Interleave.awaitUntil("guard drain", () -> inFlight() == 0);
        svState(DRAINED);
        svDrainer(null);
    }

    public boolean isDrained() {
        return lvState() == DRAINED;
    }

    /**
     * The token {@link #tryEnter()} returned to the current thread, for an operation that must break
     * its own protection without having been handed its token. Valid only for an entry made by the
     * current thread.
     */
    public int tokenOfCurrentThread() {
        return cellOfCurrentThread();
    }

    /**
     * {@code kernfs_break_active_protection}: the caller, which holds {@code token}, gives up its
     * reference so that a drain it is about to cause does not wait for it. The caller must not touch
     * the driver again until {@link #unbreakProtection(int)}.
     */
    public void breakProtection(int token) {
        exit(token);
    }

    /**
     * {@code kernfs_unbreak_active_protection}: takes the reference back, whatever the state, so the
     * caller's final {@link #exit(int)} balances.
     */
    public void unbreakProtection(int token) {
        getAndAddCell(token, 1L);
    }
}
