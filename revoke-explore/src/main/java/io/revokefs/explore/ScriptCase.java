package io.revokefs.explore;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.scenario.Scenario;
import io.revokefs.scenario.ScenarioException;
import io.revokefs.scenario.ScenarioProviders;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.Step;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code together} block of a script as a case to explore (docs/semantics.md section 12): each line of
 * the block is a thread of the schedule. The lines before the block run first, in written order, on
 * the explorer's thread (so every schedule starts from the same machine; the lines of an earlier
 * block run there one after the other); the lines after it run once the block's threads are done,
 * as a check of the schedule. Every line's {@code expect} is checked where it runs: a block line
 * whose outcome is not one of its alternatives fails its thread, naming the line; the schedule's log
 * goes through the explorer's log checks (the auditor), and no VMA of a revoked object may keep a PTE.
 */
public final class ScriptCase implements ExploreCase {
    private final String id;
    private final ScenarioProviders providers;
    private final Scenario scenario;
    private final List<List<Step>> phases;
    private final int phase;

    private ScriptCase(String id, ScenarioProviders providers, Scenario scenario, int phase) {
        this.id = id;
        this.providers = providers;
        this.scenario = scenario;
        this.phases = scenario.phases();
        this.phase = phase;
    }

    /**
     * One case per {@code together} block of {@code scenario} (parsed from {@code name}), in script
     * order; ids are {@code NAME:LINE}, the line of the block's first command.
     */
    public static List<ScriptCase> of(String name, ScenarioProviders providers, Scenario scenario) {
        List<ScriptCase> out = new ArrayList<>();
        List<List<Step>> phases = scenario.phases();
        for (int i = 0; i < phases.size(); i++) {
            Step first = phases.get(i).get(0);
            if (first.block() != 0) {
                out.add(new ScriptCase(name + ":" + first.line(), providers, scenario, i));
            }
        }
        return out;
    }

    /** The block's lines: thread i of a schedule runs line i. */
    public List<Step> threads() {
        return phases.get(phase);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String description() {
        StringBuilder sb = new StringBuilder("together block of " + threads().size() + " lines:");
        for (int i = 0; i < threads().size(); i++) {
            sb.append(" [").append(i).append("] ").append(threads().get(i).text()).append(';');
        }
        return sb.substring(0, sb.length() - 1);
    }

    @Override
    public RaceWorld newWorld() {
        InMemoryEventLog log = new InMemoryEventLog();
        ScenarioWorld machine = new ScenarioWorld(log, providers);
        ScenarioRunner runner = new ScenarioRunner(machine);
        RaceWorld w = new RaceWorld(machine.kernel(), log);
        try {
            for (int i = 0; i < phase; i++) {
                for (Step s : phases.get(i)) {
                    runner.runLine(scenario, s);
                }
            }
        } catch (ScenarioException e) {
            // The script fails before its block, whatever the schedule: every schedule reports it.
            w.check(world -> List.of("before the block: " + e.getMessage()));
            return w;
        }
        for (Step s : threads()) {
            w.thread("L" + s.line(), () -> runner.runLineOnOwnThread(scenario, s));
        }
        w.check(world -> {
            List<String> out = new ArrayList<>();
            for (int i = phase + 1; i < phases.size(); i++) {
                for (Step s : phases.get(i)) {
                    try {
                        runner.runLine(scenario, s);
                    } catch (ScenarioException e) {
                        out.add("after the block: " + e.getMessage());
                        return out;
                    }
                }
            }
            return out;
        });
        w.check(world -> noPteOfRevokedObjects(world));
        return w;
    }

    /** NO_LIVE_PTE_AFTER_REVOKE over every process: a VMA of a revoked object keeps no PTE once the block is done. */
    static List<String> noPteOfRevokedObjects(RaceWorld world) {
        List<String> out = new ArrayList<>();
        for (Process p : world.kernel().processes()) {
            for (Vma v : p.mm().vmas()) {
                RevocableObject o = v.file() == null ? null : RevocableObject.of(v.file());
                if (o != null && o.isRevoked()) {
                    long n = p.mm().populatedPages(v);
                    if (n != 0) {
                        out.add("NO_LIVE_PTE_AFTER_REVOKE: " + v.id() + " of pid " + p.pid() + " keeps " + n
                                + " PTE(s) of revoked " + o.id());
                    }
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return id;
    }
}
