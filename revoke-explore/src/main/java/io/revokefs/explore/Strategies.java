package io.revokefs.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
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
     */
    static final class Dfs implements ScheduleRun.Strategy {
        static final class Node {
            final int[] candidates;
            final int self;
            final boolean selfEnabled;
            final int preemptionsBefore;
            final BitSet tried = new BitSet();
            int chosen;
            /** Heads a subtree that only repeats others ({@link Dfs#redundant}): nothing here or below is tried. */
            boolean redundant;

            Node(int[] candidates, int self, boolean selfEnabled, int preemptionsBefore, int chosen) {
                this.candidates = candidates;
                this.self = self;
                this.selfEnabled = selfEnabled;
                this.preemptionsBefore = preemptionsBefore;
                this.chosen = chosen;
                tried.set(chosen);
            }

            int cost(int c) {
                return selfEnabled && c != self ? 1 : 0;
            }
        }

        private final int bound;
        private final boolean reduce;
        private final List<Node> stack = new ArrayList<>();
        /** Decisions below this index are the subtree's fixed prefix: never backtracked. */
        private final int floor;
        private int depth;

        Dfs(int preemptionBound) {
            this(preemptionBound, new Subtree(List.of()), true);
        }

        /**
         * The search of one subtree: its first run follows {@code root}'s prefix, then goes on by
         * default; {@code reduce} prunes below failed re-checks of waits (see {@link Node#redundant}).
         */
        Dfs(int preemptionBound, Subtree root, boolean reduce) {
            this.bound = preemptionBound;
            this.reduce = reduce;
            this.stack.addAll(root.prefix());
            this.floor = root.prefix().size();
        }

        /**
         * Hands one untried alternative, the shallowest, to another worker: returns the subtree below
         * it (never explored here afterwards), or null when there is none. Call between runs.
         */
        Subtree donate() {
            for (int i = floor; i < Math.min(depth, stack.size()); i++) {
                Node n = stack.get(i);
                if (n.redundant) {
                    return null; // nothing here or below is tried (see redundant())
                }
                for (int c : n.candidates) {
                    if (!n.tried.get(c) && n.preemptionsBefore + n.cost(c) <= bound) {
                        n.tried.set(c);
                        // Copies: this search goes on changing its own nodes' choices.
                        List<Node> prefix = new ArrayList<>();
                        for (Node p : stack.subList(0, i)) {
                            prefix.add(new Node(p.candidates, p.self, p.selfEnabled, p.preemptionsBefore, p.chosen));
                        }
                        prefix.add(new Node(n.candidates, n.self, n.selfEnabled, n.preemptionsBefore, c));
                        return new Subtree(List.copyOf(prefix));
                    }
                }
            }
            return null;
        }

        /** Call before each run. */
        void startRun() {
            depth = 0;
        }

        @Override
        public int choose(int[] candidates, int self, boolean selfEnabled, boolean stutter) {
            int i = depth++;
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
            int before = 0;
            if (!stack.isEmpty()) {
                Node prev = stack.get(stack.size() - 1);
                before = prev.preemptionsBefore + prev.cost(prev.chosen);
            }
            int c = keepGoing(candidates, self, selfEnabled);
            Node n = new Node(candidates, self, selfEnabled, before, c);
            n.redundant = redundant(i, stutter);
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
            // reaches: every thread blocked), but nothing there is tried: drop it and what is under it.
            for (int i = 0; i < stack.size(); i++) {
                if (stack.get(i).redundant) {
                    while (stack.size() > i) {
                        stack.remove(stack.size() - 1);
                    }
                    break;
                }
            }

            while (stack.size() > floor) {
                Node top = stack.get(stack.size() - 1);
                for (int c : top.candidates) {
                    if (!top.tried.get(c) && top.preemptionsBefore + top.cost(c) <= bound) {
                        top.tried.set(c);
                        top.chosen = c;
                        return true;
                    }
                }
                stack.remove(stack.size() - 1);
            }
            return false;
        }
    }

    /**
     * A part of the bounded search: every schedule that starts with {@code prefix}'s choices (each
     * node also keeps the candidates and the preemptions that led to it). Subtrees handed out by
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
