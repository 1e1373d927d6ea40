package io.revokefs.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsed scripts, every line checked ({@link ScenarioParser}): the steps in order, lines of a
 * {@code together} block marked with its number ({@link Step#block()}), and the prepared action of
 * each adapter verb.
 */
public final class Scenario {
    private final List<Step> steps;
    private final Map<Step, GlobalVerb.Action> actions;

    Scenario(List<Step> steps, Map<Step, GlobalVerb.Action> actions) {
        this.steps = List.copyOf(steps);
        this.actions = Collections.unmodifiableMap(new IdentityHashMap<>(actions));
    }

    /** The steps in script order. */
    public List<Step> steps() {
        return steps;
    }

    /** The prepared action of an adapter verb's step, or null for a step of the language's own verbs. */
    public GlobalVerb.Action action(Step s) {
        return actions.get(s);
    }

    /** These scenarios one after the other (the scripts of one run). */
    public static Scenario concat(List<Scenario> parts) {
        List<Step> steps = new ArrayList<>();
        Map<Step, GlobalVerb.Action> actions = new IdentityHashMap<>();
        for (Scenario s : parts) {
            steps.addAll(s.steps);
            actions.putAll(s.actions);
        }
        return new Scenario(steps, actions);
    }

    /**
     * The steps as phases: a list per line outside a block, one list per {@code together} block
     * holding its lines.
     */
    public List<List<Step>> phases() {
        List<List<Step>> out = new ArrayList<>();
        int block = 0;
        for (Step s : steps) {
            if (s.block() != 0 && s.block() == block && !out.isEmpty()) {
                out.get(out.size() - 1).add(s);
            } else {
                List<Step> l = new ArrayList<>();
                l.add(s);
                out.add(l);
            }
            block = s.block();
        }
        return out;
    }

    /** The number of {@code together} blocks. */
    public int blocks() {
        return (int) steps.stream().mapToInt(Step::block).filter(b -> b != 0).distinct().count();
    }
}
