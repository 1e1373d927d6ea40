package io.revokefs.scenario;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One line of a scenario script, parsed.
 *
 * @param script the script's name, for messages
 * @param line the 1-based line number
 * @param text the line as written (without its comment)
 * @param actor the process the line runs in ({@code p1 read f1}), or null for a global verb ({@code pci ...})
 * @param verb the verb
 * @param args the positional arguments after the verb
 * @param options the {@code key=value} options other than {@code expect} ({@code pages=4})
 * @param as the name after {@code as}, or null
 * @param expect the {@code expect=} value as written ({@code ok,ENODEV}), or null (the verb must then succeed)
 * @param block the {@code together} block the line is in (1, 2, ... in script order), or 0
 */
public record Step(String script, int line, String text, String actor, String verb, List<String> args,
                   Map<String, String> options, String as, String expect, int block) {

    /** A line outside any {@code together} block. */
    public Step(String script, int line, String text, String actor, String verb, List<String> args,
                Map<String, String> options, String as, String expect) {
        this(script, line, text, actor, verb, args, options, as, expect, 0);
    }

    /** {@code script:line} for messages. */
    public String where() {
        return script + ":" + line;
    }

    /**
     * The outcomes the line allows: the comma-separated alternatives of {@code expect=}
     * ({@code ok,ENODEV}: poll bits keep {@code |} inside one outcome), or {@code ok} without one.
     */
    public List<String> expectations() {
        return expect == null ? List.of("ok") : Arrays.asList(expect.split(","));
    }

    /** Whether the line may succeed (so what it names with {@code as} may exist afterwards). */
    public boolean maySucceed() {
        return expectations().contains("ok") || expectations().stream().anyMatch(e -> e.startsWith("POLL"));
    }
}
