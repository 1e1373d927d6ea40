package io.revokefs.cli.scenario;

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
 * @param expect the {@code expect=} value, or null (the verb must then succeed)
 */
public record Step(String script, int line, String text, String actor, String verb, List<String> args,
                   Map<String, String> options, String as, String expect) {

    /** {@code script:line} for messages. */
    public String where() {
        return script + ":" + line;
    }
}
