package io.revokefs.explore;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.internal.LockOrder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One schedule: runs the threads of one {@link RaceWorld} so that exactly one of them executes at a
 * time, passing control only at the library's {@link Interleave} points and waits, and asking a
 * {@link Strategy} which thread goes next at each of those decisions.
 *
 * <h2>Thread states</h2>
 * <ul>
 *   <li><b>NEW</b>: waiting for its first turn (runnable).</li>
 *   <li><b>RUNNABLE</b>: stopped at a point; it can go on whenever it is chosen.</li>
 *   <li><b>AWAITING</b>: its wait condition was false when it last looked. It is a candidate again
 *       only once another thread has run code since (the {@code epoch} moved): conditions are
 *       evaluated by the waiting thread itself, because some have effects only its own thread may
 *       have ({@code tryLock}).</li>
 *   <li><b>DONE</b>: its body returned or threw.</li>
 * </ul>
 * No candidate while some thread is not DONE is a deadlock: every live thread waits on a condition
 * that nothing can make true.
 *
 * <h2>Control</h2>
 * Each simulated thread (a {@link Worker}) runs on a {@link Carrier}, a Java thread of the
 * {@link Carriers} pool of the explorer worker that runs the schedule; a carrier carries one
 * simulated thread of one schedule at a time, and goes back to its pool when that thread is done.
 * {@code current} names the one thread allowed to run; the others are parked in {@link #waitTurn}.
 * A decision hands control to the chosen thread alone: it sets {@code current} and, once the decider
 * has left the monitor, unparks that thread's carrier (nothing at all when the deciding thread goes
 * on). The state the threads share is changed under the monitor {@code mon}, which only the thread
 * holding the turn takes (or the driver, before the first turn, once the run is over, or when it
 * gives up on a stuck thread), so the woken thread never finds it held: a contended monitor spins,
 * and on a loaded machine the spinning cost more than the schedule. A carrier is given its thread at
 * that thread's first turn. The driver (the explorer worker's own thread) parks until
 * the run is finished or aborting, and is woken by the last carrier to come back.
 *
 * <p>A violation (deadlock, exception, step bound) sets {@code aborting}: the thread that saw it
 * unwinds first, then the driver lets the others unwind one at a time by naming each
 * {@code current} in turn; every point or wait of an aborting thread throws {@link Abort}, so no
 * thread of an abandoned schedule lingers into the next one. A carrier whose thread was aborted or
 * threw, belongs to an abandoned schedule, was interrupted, or still holds a {@link LockOrder}-tracked
 * lock is not reused (it ends, and the pool starts a fresh one); one stuck outside the scheduler is
 * interrupted and left, as a daemon.
 */
final class ScheduleRun implements Interleave.Scheduler {

    /** Thrown into a controlled thread to unwind it when its schedule is abandoned. */
    static final class Abort extends Error {
        private static final long serialVersionUID = 1L;

        Abort() {
            super("schedule abandoned", null, false, false);
        }
    }

    /** Chooses the next thread at each decision. */
    interface Strategy {
        /**
         * @param candidates indices of the threads that may run, ascending, never empty
         * @param self the deciding thread, or -1 for the first decision
         * @param selfEnabled whether {@code self} is among the candidates (choosing another preempts it)
         * @param stutter whether {@code self} has just looked at a wait condition, found it false and
         *     changed nothing (a re-check after being chosen, or a first look right after its point)
         * @return one of {@code candidates}
         */
        int choose(int[] candidates, int self, boolean selfEnabled, boolean stutter);

        /**
         * The footprint of the step that just ended (what the thread chosen at the last decision did
         * since), before the next {@link #choose} or at the end of the run. The default ignores it.
         */
        default void stepped(Footprint step) {
        }
    }

    private enum Phase { NEW, RUNNABLE, AWAITING, DONE }

    /** One simulated thread of this schedule; it runs on {@link #carrier} from its first turn on. */
    private final class Worker {
        final int index;
        final String threadName;
        final Runnable body;
        Phase phase = Phase.NEW;
        String label = "start";
        long checkedEpoch = -1;
        /** Set while it decides after a look at a wait that found it false and changed nothing. */
        boolean stuttered;
        /**
         * At a point before an acquisition (with the reduction on): whether going on would block, and
         * where. A RUNNABLE thread it says would block is no candidate: choosing it would only stutter.
         */
        java.util.function.Predicate<Thread> wouldBlock;
        String waitLabel;
        /** The thread it runs on, taken from the pool before the run starts. */
        Carrier carrier;
        /** Whether {@link #carrier} was given this thread (at its first turn). */
        boolean launched;
        /** Set by the carrier once this thread is over and the carrier has let go of it. */
        volatile boolean released;
        /** Whether the carrier may carry another thread (written before {@link #released}). */
        boolean reusable;
        /** What this simulated thread's current step touched ({@link Interleave#touch}): handed to the strategy at its next decision. */
        Footprint step = new Footprint();

        ScheduleRun owner() {
            return ScheduleRun.this;
        }

        Worker(int index, String threadName, Runnable body) {
            this.index = index;
            this.threadName = threadName;
            this.body = body;
        }

        /** Runs the body on the carrier; returns whether it returned normally (no Abort, no exception). */
        boolean runOnCarrier() {
            boolean normal = false;
            try {
                waitTurn(this);
                synchronized (mon) {
                    epoch++;
                }
                body.run();
                normal = true;
            } catch (Abort a) {
                // unwound on purpose
            } catch (Throwable t) {
                fail("exception in thread " + threadName + " after '" + label + "': " + t, t);
            } finally {
                Carrier next;
                synchronized (mon) {
                    phase = Phase.DONE;
                    if (!aborting) {
                        decide(this);
                    }
                    next = takeWake();
                }
                wake(next);
            }
            return normal;
        }

        /** Called by the carrier once it has let go of this thread; wakes the driver once the run is over. */
        void release(boolean carrierReusable) {
            reusable = carrierReusable;
            released = true;
            if (finished || aborting) {
                LockSupport.unpark(driver);
            }
        }
    }

    /**
     * A Java thread that carries the simulated threads of successive schedules of one explorer
     * worker, one at a time. {@link #running} is the simulated thread it carries now: the
     * {@linkplain #DISPATCH dispatching scheduler} finds the run of a point through it.
     */
    static final class Carrier extends Thread {
        private final Carriers pool;
        /** The thread to carry next, set at its first turn; taken (and cleared) by the carrier. */
        private volatile Worker task;
        /** The thread it carries now; written and read only by the carrier itself. */
        private Worker running;

        Carrier(Carriers pool, int n) {
            this.pool = pool;
            setDaemon(true);
            setName("explore-carrier-" + n);
        }

        @Override
        public void run() {
            while (true) {
                Worker w;
                while ((w = task) == null) {
                    if (pool.closed) {
                        return;
                    }
                    LockSupport.park(this);
                }
                task = null;
                running = w;
                boolean normal;
                try {
                    normal = w.runOnCarrier();
                } finally {
                    running = null;
                }
                // The next schedule's thread must start clean: no interrupt, no tracked lock held. A
                // thread of an abandoned run may have been given up on (stuck): it is no longer counted.
                boolean interrupted = Thread.interrupted();
                boolean reusable = normal && !interrupted && !w.owner().aborting && LockOrder.heldByCurrentThread().isEmpty();
                w.release(reusable);
                if (!reusable) {
                    return;
                }
            }
        }
    }

    /**
     * The carriers of one explorer worker: the threads its schedules run on, reused from one schedule
     * to the next. Used by that worker's thread only. While any pool is open, {@link #DISPATCH} is
     * installed in {@link Interleave}. Close it when the exploration is over: its carriers end.
     */
    static final class Carriers implements AutoCloseable {
        private static final java.util.concurrent.atomic.AtomicInteger NAMES = new java.util.concurrent.atomic.AtomicInteger();
        private final Deque<Carrier> idle = new ArrayDeque<>();
        private volatile boolean closed;

        Carriers() {
            enter();
        }

        /** An idle carrier, or a new one started for the purpose. */
        Carrier take() {
            Carrier c = idle.poll();
            if (c == null) {
                c = new Carrier(this, NAMES.incrementAndGet());
                c.start();
            }
            return c;
        }

        void put(Carrier c) {
            idle.push(c);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                for (Carrier c : idle) {
                    LockSupport.unpark(c);
                }
                for (Carrier c : idle) {
                    try {
                        c.join(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                idle.clear();
            } finally {
                exit();
            }
        }
    }

    private final Object mon = new Object();
    private final List<Worker> workers = new ArrayList<>();
    private final Strategy strategy;
    private final int maxSteps;
    private final long stuckMillis;
    private final boolean reduce;
    private final List<Integer> choices = new ArrayList<>();
    /** The label of the thread chosen at each decision, for the trace. */
    private final List<String> labels = new ArrayList<>();
    private final int[] buf;
    /** Set by a decision that hands the turn to another thread: its carrier, to unpark ({@link #takeWake}). */
    private Carrier toWake;
    /** The thread that runs the schedule and waits for it: the explorer worker's. */
    private Thread driver;
    private volatile int current = -1;
    private long epoch;
    private int steps;
    private volatile boolean finished;
    private volatile boolean aborting;
    private int trigger = -1;
    private String violation;
    private Throwable cause;

    ScheduleRun(List<String> names, List<Runnable> bodies, Strategy strategy, int maxSteps, long stuckMillis) {
        this(names, bodies, strategy, maxSteps, stuckMillis, false);
    }

    /**
     * @param reduce whether a thread at a point whose acquisition would block counts as blocked, not
     *     runnable ({@link Interleave.Scheduler#point(String, String, java.util.function.Predicate)})
     */
    ScheduleRun(List<String> names, List<Runnable> bodies, Strategy strategy, int maxSteps, long stuckMillis, boolean reduce) {
        this.reduce = reduce;
        for (int i = 0; i < names.size(); i++) {
            workers.add(new Worker(i, names.get(i), bodies.get(i)));
        }
        this.buf = new int[names.size()];
        this.strategy = strategy;
        this.maxSteps = maxSteps;
        this.stuckMillis = stuckMillis;
    }

    /** The outcome of a run: the choices made, what each chosen thread was at, and the scheduler's own violation if any. */
    record Outcome(List<Integer> choices, List<String> labels, List<String> threadNames, String violation, Throwable cause) {
        /** One line per decision: the chosen thread and where it was ({@code "revoker: guard enter"}). */
        List<String> trace() {
            List<String> t = new ArrayList<>(choices.size());
            for (int i = 0; i < choices.size(); i++) {
                t.add(threadNames.get(choices.get(i)) + ": " + labels.get(i));
            }
            return t;
        }
    }

    /**
     * The one scheduler installed in {@link Interleave} while any schedule runs: it hands each point
     * to the run its thread belongs to, so several runs (the explorer's workers) go on at once.
     */
    private static final Interleave.Scheduler DISPATCH = new Interleave.Scheduler() {
        @Override
        public void point(String label) {
            self().owner().point(label);
        }

        @Override
        public void point(String label, String waitLabel, java.util.function.Predicate<Thread> wouldBlock) {
            self().owner().point(label, waitLabel, wouldBlock);
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            self().owner().await(label, condition);
        }

        @Override
        public void awaitSincePoint(String label, BooleanSupplier condition) {
            self().owner().awaitSincePoint(label, condition);
        }

        @Override
        public boolean controls(Thread thread) {
            return thread instanceof Carrier c && c.running != null;
        }

        @Override
        public void touch(Object key, Interleave.Access access) {
            self().step.add(key, access); // only the running thread touches its step
        }
    };
    private static final Object INSTALL = new Object();
    private static int running;

    /** The simulated thread the calling carrier runs now. */
    private static Worker self() {
        return ((Carrier) Thread.currentThread()).running;
    }

    /** Installs {@link #DISPATCH} for the first pool opened (before any of its carriers runs a thread). */
    private static void enter() {
        synchronized (INSTALL) {
            if (running++ == 0) {
                Interleave.install(DISPATCH);
            }
        }
    }

    private static void exit() {
        synchronized (INSTALL) {
            if (--running == 0) {
                Interleave.uninstall();
            }
        }
    }

    /**
     * Runs every thread to completion or to the first violation, then tears them down; the threads
     * run on {@code pool}'s carriers, which go back to it. Call from the pool's own thread.
     */
    Outcome run(Carriers pool) {
        driver = Thread.currentThread();
        for (Worker w : workers) {
            w.carrier = pool.take();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stuckMillis);
        Carrier first;
        synchronized (mon) {
            decide(null);
            first = takeWake();
        }
        wake(first);
        while (!finished && !aborting) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                Worker w;
                synchronized (mon) {
                    w = current >= 0 ? workers.get(current) : null;
                }
                fail("stuck: thread " + (w == null ? "?" : w.threadName + " after '" + w.label + "'")
                        + " ran " + stuckMillis + " ms without reaching a point (blocked outside the scheduler?)", null);
                break;
            }
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                fail("explorer interrupted", new InterruptedException());
                break;
            }
        }
        if (aborting) {
            tearDown();
        } else {
            for (Worker w : workers) {
                awaitRelease(w);
            }
        }
        for (Worker w : workers) {
            if (!w.launched || w.released && w.reusable) {
                pool.put(w.carrier);
            } else if (w.released) {
                joinQuietly(w.carrier); // it ends right after letting go
            }
        }
        synchronized (mon) {
            List<String> names = new ArrayList<>(workers.size());
            for (Worker w : workers) {
                names.add(w.threadName);
            }
            return new Outcome(List.copyOf(choices), List.copyOf(labels), List.copyOf(names), violation, cause);
        }
    }

    /** Unwinds the thread that saw the violation, then every other live thread, one at a time. */
    private void tearDown() {
        if (trigger >= 0) {
            awaitRelease(workers.get(trigger));
        }
        for (Worker w : workers) {
            if (!w.launched || w.released) {
                continue; // never ran (its carrier is untouched), or over
            }
            synchronized (mon) {
                current = w.index;
            }
            LockSupport.unpark(w.carrier);
            awaitRelease(w);
            if (!w.released) {
                w.carrier.interrupt(); // blocked outside the scheduler: nothing better to do than leave a daemon
            }
        }
    }

    /** Waits up to {@code stuckMillis} for {@code w}'s carrier to let go of it; true once it has. */
    private void awaitRelease(Worker w) {
        if (!w.launched) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stuckMillis);
        while (!w.released) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void joinQuietly(Thread t) {
        try {
            t.join(stuckMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean controls(Thread thread) {
        return thread instanceof Carrier c && c.running != null && c.running.owner() == this;
    }

    @Override
    public void point(String label) {
        point(label, null, null);
    }

    @Override
    public void point(String label, String waitLabel, java.util.function.Predicate<Thread> wouldBlock) {
        Worker me = self();
        Carrier next;
        synchronized (mon) {
            if (aborting) {
                throw new Abort();
            }
            me.phase = Phase.RUNNABLE;
            me.label = label;
            if (reduce) {
                me.wouldBlock = wouldBlock;
                me.waitLabel = waitLabel;
            }
            decide(me);
            next = takeWake();
        }
        wake(next);
        try {
            waitTurn(me);
        } finally {
            me.wouldBlock = null;
        }
        synchronized (mon) {
            epoch++;
        }
    }

    @Override
    public void await(String label, BooleanSupplier condition) {
        await(label, condition, false);
    }

    @Override
    public void awaitSincePoint(String label, BooleanSupplier condition) {
        await(label, condition, true);
    }

    /**
     * Waits for {@code condition}. A look that finds it false is a stutter (it changed nothing: the
     * state is the one the decision before saw) when it is a re-check after being chosen, or the
     * first look of a thread that changed nothing since its point ({@code sincePoint}).
     */
    private void await(String label, BooleanSupplier condition, boolean sincePoint) {
        Worker me = self();
        boolean again = sincePoint;
        Carrier next;
        while (true) {
            if (aborting) {
                throw new Abort();
            }
            if (condition.getAsBoolean()) {
                synchronized (mon) {
                    me.phase = Phase.RUNNABLE;
                    epoch++;
                }
                return;
            }
            synchronized (mon) {
                me.phase = Phase.AWAITING;
                me.label = label;
                me.checkedEpoch = epoch;
                // Interleave.awaitUntil's contract: a false condition has no effect.
                me.stuttered = again;
                decide(me);
                me.stuttered = false;
                next = takeWake();
            }
            wake(next);
            waitTurn(me);
            again = true;
        }
    }

    /**
     * Parks the calling thread until it is {@code current}; throws {@link Abort} once aborting (or
     * when interrupted). Called outside {@code mon}: the thread that hands over the turn sets
     * {@code current} (volatile) after its changes, under the monitor, then unparks this one.
     */
    private void waitTurn(Worker me) {
        while (current != me.index) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                throw new Abort();
            }
        }
        if (aborting) {
            throw new Abort();
        }
    }

    /**
     * Gives the turn to {@code next} (under {@code mon}): its carrier is handed the thread at its first
     * turn, and is to be unparked once the decider has left the monitor ({@link #takeWake}), so that
     * it does not wake only to wait for it.
     */
    private void handOff(Worker next) {
        if (!next.launched) {
            next.launched = true;
            next.carrier.task = next;
        }
        toWake = next.carrier;
    }

    /** The carrier the last decision handed the turn to, if it is not the decider's own (under {@code mon}). */
    private Carrier takeWake() {
        Carrier c = toWake;
        toWake = null;
        return c;
    }

    /** Unparks {@code c}, if any: after leaving {@code mon}. */
    private static void wake(Carrier c) {
        if (c != null) {
            LockSupport.unpark(c);
        }
    }

    /** Picks the next thread to run; {@code self} is the deciding worker (null for the first decision). */
    private void decide(Worker self) {
        if (aborting) {
            return;
        }
        if (self != null) {
            strategy.stepped(self.step);
            self.step = self.step.next();
        }
        if (++steps > maxSteps) {
            fail("step bound: more than " + maxSteps + " decisions in one schedule (livelock?)", null);
            return;
        }
        int n = 0;
        boolean selfEnabled = false;
        boolean allDone = true;
        for (Worker w : workers) {
            boolean candidate = switch (w.phase) {
                case NEW -> true;
                case RUNNABLE -> w.wouldBlock == null || !w.wouldBlock.test(w.carrier);
                case AWAITING -> w.checkedEpoch != epoch;
                case DONE -> false;
            };
            if (w.phase != Phase.DONE) {
                allDone = false;
            }
            if (candidate) {
                buf[n++] = w.index;
                if (w == self) {
                    selfEnabled = true;
                }
            }
        }
        if (n == 0) {
            if (allDone) {
                current = -1;
                finished = true; // the last carrier wakes the driver once it has let go (Worker.release)
                return;
            }
            StringBuilder sb = new StringBuilder("deadlock: no thread can run;");
            for (Worker w : workers) {
                if (w.phase != Phase.DONE) {
                    String at = w.phase == Phase.RUNNABLE && w.wouldBlock != null ? w.waitLabel : w.label;
                    sb.append(' ').append(w.threadName).append(" waits at '").append(at).append("';");
                }
            }
            fail(sb.substring(0, sb.length() - 1), null);
            return;
        }
        int[] candidates = java.util.Arrays.copyOf(buf, n);
        int chosen;
        try {
            chosen = strategy.choose(candidates, self == null ? -1 : self.index, selfEnabled, self != null && self.stuttered);
        } catch (RuntimeException e) {
            fail("strategy failed at decision " + choices.size() + ": " + e.getMessage(), e);
            return;
        }
        Worker next = workers.get(chosen);
        choices.add(chosen);
        labels.add(next.label);
        current = chosen;
        if (next != self) {
            handOff(next);
        }
    }

    /**
     * Records the first violation and starts abandoning the schedule; the caller is the running
     * thread (or the driver, for a stuck run). Wakes the driver, which unwinds the other threads.
     */
    private void fail(String message, Throwable t) {
        synchronized (mon) {
            if (violation == null) {
                violation = message;
                cause = t;
            }
            if (!aborting) {
                Thread me = Thread.currentThread();
                if (me instanceof Carrier c && controls(c)) {
                    trigger = c.running.index;
                    current = trigger;
                } else {
                    current = -1;
                }
                aborting = true;
            }
        }
        if (Thread.currentThread() != driver) {
            LockSupport.unpark(driver);
        }
    }
}
