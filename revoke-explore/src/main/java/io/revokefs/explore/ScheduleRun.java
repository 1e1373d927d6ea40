package io.revokefs.explore;

import io.revokefs.kernel.internal.Interleave;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One schedule: runs the threads of one {@link RaceWorld} so that exactly one of them executes at a
 * time, passing control only at the library's {@link Interleave} points and waits, and asking a
 * {@link Strategy} which thread goes next at each of those decisions.
 *
 * <h2>Thread states</h2>
 * <ul>
 *   <li><b>NEW</b>: started, waiting for its first turn (runnable).</li>
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
 * {@code current} names the one thread allowed to run; all others sit in {@link #waitTurn} on the
 * monitor {@code mon}. A violation (deadlock, exception, step bound) sets {@code aborting}: the
 * thread that saw it unwinds first, then the driver thread lets the others unwind one at a time by
 * naming each {@code current} in turn; every point or wait of an aborting thread throws
 * {@link Abort}, so no thread of an abandoned schedule lingers into the next one.
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

    private final class Worker extends Thread {
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
        /** What this thread's current step touched ({@link Interleave#touch}): handed to the strategy at its next decision. */
        Footprint step = new Footprint();

        ScheduleRun owner() {
            return ScheduleRun.this;
        }

        Worker(int index, String threadName, Runnable body) {
            this.index = index;
            this.threadName = threadName;
            this.body = body;
            setDaemon(true);
            setName("explore-" + threadName);
        }

        @Override
        public void run() {
            try {
                synchronized (mon) {
                    waitTurn(this);
                    epoch++;
                }
                body.run();
            } catch (Abort a) {
                // unwound on purpose
            } catch (Throwable t) {
                fail("exception in thread " + threadName + " after '" + label + "': " + t, t);
            } finally {
                synchronized (mon) {
                    phase = Phase.DONE;
                    if (!aborting) {
                        decide(this);
                    } else {
                        mon.notifyAll();
                    }
                }
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
    private final List<String> trace = new ArrayList<>();
    private int current = -1;
    private long epoch;
    private int steps;
    private boolean finished;
    private boolean aborting;
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
        this.strategy = strategy;
        this.maxSteps = maxSteps;
        this.stuckMillis = stuckMillis;
    }

    /** The outcome of a run: the choices made, a trace, and the scheduler's own violation if any. */
    record Outcome(List<Integer> choices, List<String> trace, String violation, Throwable cause) {
    }

    /**
     * The one scheduler installed in {@link Interleave} while any schedule runs: it hands each point
     * to the run its thread belongs to, so several runs (the explorer's workers) go on at once.
     */
    private static final Interleave.Scheduler DISPATCH = new Interleave.Scheduler() {
        @Override
        public void point(String label) {
            ((Worker) Thread.currentThread()).owner().point(label);
        }

        @Override
        public void point(String label, String waitLabel, java.util.function.Predicate<Thread> wouldBlock) {
            ((Worker) Thread.currentThread()).owner().point(label, waitLabel, wouldBlock);
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            ((Worker) Thread.currentThread()).owner().await(label, condition);
        }

        @Override
        public void awaitSincePoint(String label, BooleanSupplier condition) {
            ((Worker) Thread.currentThread()).owner().awaitSincePoint(label, condition);
        }

        @Override
        public boolean controls(Thread thread) {
            return thread instanceof Worker w && w.owner().controls(w);
        }

        @Override
        public void touch(Object key, Interleave.Access access) {
            ((Worker) Thread.currentThread()).step.add(key, access); // only the running thread touches its step
        }
    };
    private static final Object INSTALL = new Object();
    private static int running;

    /** Installs {@link #DISPATCH} for the first run going on (before its threads start: Thread.start publishes it). */
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

    /** Runs every thread to completion or to the first violation, then tears them down. */
    Outcome run() {
        enter();
        try {
            for (Worker w : workers) {
                w.start();
            }
            long deadline = System.currentTimeMillis() + stuckMillis;
            synchronized (mon) {
                decide(null);
                while (!finished && !aborting) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        Worker w = current >= 0 ? workers.get(current) : null;
                        fail("stuck: thread " + (w == null ? "?" : w.threadName + " after '" + w.label + "'")
                                + " ran " + stuckMillis + " ms without reaching a point (blocked outside the scheduler?)", null);
                        break;
                    }
                    waitQuietly(left);
                }
            }
            if (aborting) {
                tearDown();
            } else {
                for (Worker w : workers) {
                    joinQuietly(w);
                }
            }
            synchronized (mon) {
                return new Outcome(List.copyOf(choices), List.copyOf(trace), violation, cause);
            }
        } finally {
            exit();
        }
    }

    /** Unwinds the thread that saw the violation, then every other live thread, one at a time. */
    private void tearDown() {
        if (trigger >= 0) {
            joinQuietly(workers.get(trigger));
        }
        for (Worker w : workers) {
            if (!w.isAlive()) {
                continue;
            }
            synchronized (mon) {
                current = w.index;
                mon.notifyAll();
            }
            joinQuietly(w);
            if (w.isAlive()) {
                w.interrupt(); // blocked outside the scheduler: nothing better to do than leave a daemon
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

    private void waitQuietly(long millis) {
        try {
            mon.wait(Math.max(1, Math.min(millis, 200)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("explorer interrupted", e);
        }
    }

    @Override
    public boolean controls(Thread thread) {
        return thread instanceof Worker w && workers.get(w.index) == w;
    }

    @Override
    public void point(String label) {
        point(label, null, null);
    }

    @Override
    public void point(String label, String waitLabel, java.util.function.Predicate<Thread> wouldBlock) {
        Worker me = (Worker) Thread.currentThread();
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
            try {
                decide(me);
                waitTurn(me);
            } finally {
                me.wouldBlock = null;
            }
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
        Worker me = (Worker) Thread.currentThread();
        boolean again = sincePoint;
        while (true) {
            synchronized (mon) {
                if (aborting) {
                    throw new Abort();
                }
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
                waitTurn(me);
            }
            again = true;
        }
    }

    /** Blocks the calling worker until it is {@code current}; throws {@link Abort} once aborting. */
    private void waitTurn(Worker me) {
        while (current != me.index) {
            try {
                mon.wait();
            } catch (InterruptedException e) {
                throw new Abort();
            }
        }
        if (aborting) {
            throw new Abort();
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
        int[] buf = new int[workers.size()];
        boolean selfEnabled = false;
        boolean allDone = true;
        for (Worker w : workers) {
            boolean candidate = switch (w.phase) {
                case NEW -> true;
                case RUNNABLE -> w.wouldBlock == null || !w.wouldBlock.test(w);
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
                finished = true;
                current = -1;
                mon.notifyAll();
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
        trace.add(next.threadName + ": " + next.label);
        current = chosen;
        mon.notifyAll();
    }

    /** Records the first violation and starts abandoning the schedule; the caller is the running thread. */
    private void fail(String message, Throwable t) {
        synchronized (mon) {
            if (violation == null) {
                violation = message;
                cause = t;
            }
            if (!aborting) {
                aborting = true;
                Thread me = Thread.currentThread();
                if (me instanceof Worker w && controls(w)) {
                    trigger = w.index;
                    current = w.index;
                } else {
                    current = -1;
                }
            }
            mon.notifyAll();
        }
    }
}
