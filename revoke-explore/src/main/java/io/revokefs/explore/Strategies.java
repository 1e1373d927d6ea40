package io.revokefs.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** The ways of choosing the next thread: bounded depth-first search, random, replay. */
final class Strategies {
    private Strategies() {
    }

    /** The default choice: the deciding thread goes on if it can, else the lowest-numbered candidate. */
    static int keepGoing(int[] candidates, int self, boolean selfEnabled) {
        return selfEnabled ? self : candidates[0];
    }

    static boolean contains(int[] candidates, int c) {
        for (int x : candidates) {
            if (x == c) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stateless model checking with a preemption bound (CHESS): each run replays the current prefix of
     * choices and then keeps going by default; {@link #advance()} backtracks to the deepest decision
     * with an alternative not yet tried whose preemptions stay within the bound. Choosing another
     * thread while the deciding one could go on costs a preemption; switching away from a thread that
     * waits or finished is free. The world must be deterministic: the same prefix must offer the same
     * candidates (checked).
     *
     * <h2>Sleep sets, bounded</h2>
     * With the reduction on, each decision keeps a sleep set (Godefroid): threads whose step from
     * here would only reorder a step already explored. When a child {@code a} of a node is done, a
     * later sibling {@code b}'s subtree starts with {@code a} asleep if {@code a}'s recorded step
     * ({@link Footprint}) is independent of {@code b}'s, and {@code a} stays asleep down that subtree
     * while every step taken is independent of it. A sleeping thread is not chosen. A schedule that
     * would choose it, {@code n: b w a r}, is equivalent to {@code n: a b w r}, which {@code a}'s
     * subtree covers, <em>if</em> that one is within the preemption bound: plain sleep sets under a
     * bound are unsound (Musuvathi and Qadeer 2007; Coons, Musuvathi and McKinley, OOPSLA 2013),
     * because moving {@code a} forward can add preemptions. The variant here puts {@code a} to sleep
     * for {@code b} only when the move cannot add any: at {@code n} the moved schedule pays
     * {@code cost(a)}, then one more if {@code a} could still go on after its step (switching from
     * it to {@code b}); the original paid {@code cost(b)}. Where {@code a} is taken out further down,
     * the moved schedule never pays more than the original (the original switched to {@code a} and
     * away from it, the moved one goes on from the step before). Within {@code w} every decision
     * sees the same deciding thread, enabled or not as before: {@code a}'s step is independent of
     * every step of {@code w} and of what decides enabledness (a point before a lock touches the
     * lock). So a sibling keeps {@code a} asleep iff {@code cost(a) + (a enabled after its step and
     * b != a ? 1 : 0) <= cost(b)}: the deciding thread's own continuation always qualifies, an
     * alternative only when its step ended blocked or finished. Only a child whose subtree was
     * searched (not cut by {@link #redundant}, whose argument points to siblings) is put to sleep.
     */
    static final class Dfs implements ScheduleRun.Strategy {
        /** A child of a node that was searched: its thread, its step from the node, and whether that thread could go on after it. */
        record Done(int thread, Footprint step, boolean enabledAfter) {
        }

        static final class Node {
            final int[] candidates;
            final int self;
            final boolean selfEnabled;
            final int preemptionsBefore;
            final BitSet tried = new BitSet();
            int chosen;
            /** Heads a subtree that only repeats others ({@link Dfs#redundant}): nothing here or below is tried. */
            boolean redundant;
            /** Threads asleep here, with the step each took where it fell asleep. */
            final Map<Integer, Footprint> sleep;
            /** Children searched here, to put to sleep in later siblings' subtrees. */
            final List<Done> done = new ArrayList<>();
            /** Every candidate within the bound was asleep: nothing below is tried. */
            boolean asleep;
            /** The chosen thread's step from here in the current run, once it ended; null before. */
            Footprint step;
            /** Whether the chosen thread could go on after its step (at the next decision). */
            boolean enabledAfter;
            /** False once the chosen child's subtree was cut by the stutter rule: it is then not put to sleep. */
            boolean childSearched = true;

            Node(int[] candidates, int self, boolean selfEnabled, int preemptionsBefore, int chosen, Map<Integer, Footprint> sleep) {
                this.candidates = candidates;
                this.self = self;
                this.selfEnabled = selfEnabled;
                this.preemptionsBefore = preemptionsBefore;
                this.chosen = chosen;
                this.sleep = sleep;
                tried.set(chosen);
            }

            /** A copy for another worker's search, with the choice {@code chosen}. */
            Node copy(int chosen) {
                Node n = new Node(candidates, self, selfEnabled, preemptionsBefore, chosen, sleep);
                n.tried.or(tried);
                n.done.addAll(done);
                n.redundant = redundant;
                n.asleep = asleep;
                return n;
            }

            int cost(int c) {
                return selfEnabled && c != self ? 1 : 0;
            }

            /** Whether {@code c} is a choice left here: not tried, within the bound, awake. */
            boolean open(int c, int bound) {
                return !tried.get(c) && preemptionsBefore + cost(c) <= bound && !sleep.containsKey(c);
            }

            /** Records the chosen child as searched, when it may sleep in later siblings. */
            void finishChild() {
                if (childSearched && step != null) {
                    done.add(new Done(chosen, step, enabledAfter));
                }
                step = null;
                childSearched = true;
            }

            /** The sleep set of the child reached by the chosen thread's step {@code f}. */
            Map<Integer, Footprint> childSleep(Footprint f) {
                if (sleep.isEmpty() && done.isEmpty()) {
                    return Map.of();
                }
                Map<Integer, Footprint> out = new HashMap<>();
                for (Map.Entry<Integer, Footprint> e : sleep.entrySet()) {
                    if (e.getKey() != chosen && !e.getValue().dependent(f)) {
                        out.put(e.getKey(), e.getValue());
                    }
                }
                for (Done d : done) {
                    if (d.thread() != chosen && cost(d.thread()) + (d.enabledAfter() ? 1 : 0) <= cost(chosen)
                            && !d.step().dependent(f)) {
                        out.put(d.thread(), d.step());
                    }
                }
                return out;
            }
        }

        private final int bound;
        private final boolean reduce;
        private final boolean sleeping;
        private final List<Node> stack = new ArrayList<>();
        /** Decisions below this index are the subtree's fixed prefix: never backtracked. */
        private final int floor;
        private int depth;

        Dfs(int preemptionBound) {
            this(preemptionBound, new Subtree(List.of()), true, true);
        }

        /**
         * The search of one subtree: its first run follows {@code root}'s prefix, then goes on by
         * default; {@code reduce} prunes below failed re-checks of waits (see {@link Node#redundant})
         * and, with {@code sleepSets} too, keeps sleep sets. The subtree's last node goes on being
         * searched here (its alternatives left untried by its donor).
         */
        Dfs(int preemptionBound, Subtree root, boolean reduce, boolean sleepSets) {
            this.bound = preemptionBound;
            this.reduce = reduce;
            this.sleeping = reduce && sleepSets;
            this.stack.addAll(root.prefix());
            this.floor = Math.max(0, root.prefix().size() - 1);
        }

        /**
         * Hands the untried alternatives of one decision, the shallowest that has any, to another
         * worker: returns the subtree that searches them (never explored here afterwards), or null
         * when there is none. Call between runs. The taker's copy of that decision knows the children
         * searched here (the one this search is in included), so it keeps the sleep sets this search
         * would have kept, and the union of the searches is the one-worker search.
         */
        Subtree donate() {
            for (int i = floor; i < Math.min(depth, stack.size()); i++) {
                Node n = stack.get(i);
                if (n.redundant || n.asleep) {
                    return null; // nothing here or below is tried (see redundant())
                }
                int first = -1;
                for (int c : n.candidates) {
                    if (n.open(c, bound)) {
                        first = c;
                        break;
                    }
                }
                if (first < 0) {
                    continue;
                }
                // Copies: this search goes on changing its own nodes' choices.
                List<Node> prefix = new ArrayList<>();
                for (Node p : stack.subList(0, i)) {
                    prefix.add(p.copy(p.chosen));
                }
                Node given = n.copy(first);
                given.chosen = n.chosen;
                given.step = n.step;
                given.enabledAfter = n.enabledAfter;
                given.childSearched = n.childSearched && (i + 1 >= stack.size() || !stack.get(i + 1).redundant);
                if (sleeping) {
                    given.finishChild(); // the child this search is in: searched here, in full
                }
                given.chosen = first;
                prefix.add(given);
                for (int c : n.candidates) {
                    n.tried.set(c); // all of them are the taker's now
                }
                return new Subtree(List.copyOf(prefix));
            }
            return null;
        }

        /** Call before each run. */
        void startRun() {
            depth = 0;
        }

        /** A replayed step that touched other state than the first time: reported at the next decision. */
        private String nondeterministic;

        @Override
        public void stepped(Footprint step) {
            int i = depth - 1;
            if (i >= 0 && i < stack.size()) {
                Node n = stack.get(i);
                if (sleeping && n.step != null && !n.step.sameAs(step) && nondeterministic == null) {
                    nondeterministic = "nondeterministic world: the step after decision " + i + " touched " + step
                            + ", earlier " + n.step;
                }
                n.step = step;
                n.enabledAfter = false; // the next decision says otherwise
            }
        }

        @Override
        public int choose(int[] candidates, int self, boolean selfEnabled, boolean stutter) {
            if (nondeterministic != null) {
                throw new IllegalStateException(nondeterministic);
            }
            int i = depth++;
            Node parent = i == 0 ? null : stack.get(i - 1);
            if (parent != null) {
                parent.enabledAfter = selfEnabled;
            }
            if (i < stack.size()) {
                Node n = stack.get(i);
                if (!Arrays.equals(n.candidates, candidates) || n.self != self) {
                    throw new IllegalStateException("nondeterministic world: decision " + i + " offered "
                            + Arrays.toString(candidates) + " (self " + self + "), earlier " + Arrays.toString(n.candidates)
                            + " (self " + n.self + ")");
                }
                n.redundant |= redundant(i, stutter);
                return n.chosen;
            }
            int before = parent == null ? 0 : parent.preemptionsBefore + parent.cost(parent.chosen);
            Map<Integer, Footprint> sleep = !sleeping || parent == null || parent.step == null ? Map.of()
                    : parent.childSleep(parent.step);
            int c = keepGoing(candidates, self, selfEnabled);
            boolean asleep = false;
            if (sleep.containsKey(c)) {
                int awake = -1;
                for (int x : candidates) {
                    if (!sleep.containsKey(x) && before + (selfEnabled && x != self ? 1 : 0) <= bound) {
                        awake = x;
                        break;
                    }
                }
                if (awake >= 0) {
                    c = awake;
                } else {
                    asleep = true; // the run goes on (and is checked), but nothing below is new
                }
            }
            Node n = new Node(candidates, self, selfEnabled, before, c, sleep);
            n.redundant = redundant(i, stutter);
            n.asleep = asleep;
            stack.add(n);
            return c;
        }

        /**
         * The reduction: whether decision {@code i}, after a stutter of the thread chosen at decision
         * {@code i - 1} (a look at a wait condition that found it false and changed nothing), heads a
         * subtree that only repeats others. It does when that thread was switched to: every schedule
         * below matches, step for step after the stutter, one that skips it, which chooses at
         * decision {@code i - 1} what this one chooses at {@code i}; that is a sibling of this
         * subtree, reaches the same states, and costs no more preemptions (the switch to the
         * stutterer cost as much as the sibling's choice or more; the choice after a stutter is
         * free). When the stutterer was the deciding thread going on, its failed look is a free
         * switch away from it that the sibling would pay for: not redundant.
         */
        private boolean redundant(int i, boolean stutter) {
            if (!reduce || !stutter || i == 0) {
                return false;
            }
            Node parent = stack.get(i - 1);
            return parent.chosen != parent.self;
        }

        /** Moves to the next schedule; false when the bounded space is exhausted. */
        boolean advance() {
            // Nodes past the last decision of the run that ended (an aborted run) are not there to trim.
            while (stack.size() > depth) {
                stack.remove(stack.size() - 1);
            }
            // The run went on below a redundant decision (it may end in a deadlock no sibling
            // reaches: every thread blocked), or below one where every thread was asleep, but nothing
            // there is tried: drop what is under it (and a redundant one itself: its parent's child
            // was not searched).
            for (int i = 0; i < stack.size(); i++) {
                Node n = stack.get(i);
                if (n.redundant || n.asleep) {
                    int keep = n.redundant ? i : i + 1;
                    if (n.redundant && i > 0) {
                        stack.get(i - 1).childSearched = false;
                    }
                    while (stack.size() > keep) {
                        stack.remove(stack.size() - 1);
                    }
                    break;
                }
            }

            while (stack.size() > floor) {
                Node top = stack.get(stack.size() - 1);
                if (!top.asleep && !top.redundant) {
                    for (int c : top.candidates) {
                        if (top.open(c, bound)) {
                            if (sleeping) {
                                top.finishChild();
                            }
                            top.tried.set(c);
                            top.chosen = c;
                            top.step = null;
                            return true;
                        }
                    }
                }
                stack.remove(stack.size() - 1);
                if (!stack.isEmpty() && top.redundant) {
                    stack.get(stack.size() - 1).childSearched = false;
                }
            }
            return false;
        }
    }

    /**
     * A part of the bounded search: every schedule that starts with {@code prefix}'s choices but the
     * last node's, and at the last node the choices its donor left untried (each node also keeps the
     * candidates, the preemptions that led to it, and its sleep set). Subtrees handed out by
     * {@link Dfs#donate} are disjoint, and with the one their donor keeps, cover its tree.
     */
    record Subtree(List<Dfs.Node> prefix) {
    }

    /** A uniformly random candidate at each decision, from a seed. */
    static final class Random implements ScheduleRun.Strategy {
        private final SplittableRandom rnd;

        Random(long seed) {
            this.rnd = new SplittableRandom(seed);
        }

        @Override
        public int choose(int[] candidates, int self, boolean selfEnabled, boolean stutter) {
            return candidates[rnd.nextInt(candidates.length)];
        }
    }

    /** Follows a recorded schedule, then keeps going by default. */
    static final class Replay implements ScheduleRun.Strategy {
        private final List<Integer> choices;
        private int depth;

        Replay(Schedule schedule) {
            this.choices = schedule.choices();
        }

        @Override
        public int choose(int[] candidates, int self, boolean selfEnabled, boolean stutter) {
            int i = depth++;
            if (i < choices.size()) {
                int c = choices.get(i);
                if (!contains(candidates, c)) {
                    throw new IllegalStateException("replay diverged at decision " + i + ": thread " + c
                            + " cannot run; candidates " + Arrays.toString(candidates));
                }
                return c;
            }
            return keepGoing(candidates, self, selfEnabled);
        }
    }
}
