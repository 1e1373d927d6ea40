package io.revokefs.cli.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses scenario scripts (SEMANTICS.md section 8): one command a line, {@code #} starts a comment,
 * names are the user's. A line is {@code [ACTOR] VERB ARG... [key=value]... [as NAME]}; global verbs
 * ({@code pci}, {@code uio}, {@code process}, ...) have no actor, process verbs ({@code open},
 * {@code mmap}, ...) follow a process name. Every line is checked against its verb's shape here, so a
 * script with a malformed line runs nothing.
 */
public final class ScenarioParser {

    /** The shape of a verb: how many positional arguments, which options, whether it takes {@code as}. */
    private record Shape(int minArgs, int maxArgs, Set<String> options, boolean as, boolean asRequired) {
    }

    private static final Map<String, Shape> GLOBAL = Map.ofEntries(
            Map.entry("pci", new Shape(1, 1, Set.of("bar0", "bar1", "bar2", "bar3", "bar4", "bar5"), false, false)),
            Map.entry("uio", new Shape(1, 1, Set.of("maps", "logical"), false, false)),
            Map.entry("process", new Shape(1, 1, Set.of("uid"), false, false)),
            Map.entry("mknod", new Shape(4, 4, Set.of(), false, false)),
            Map.entry("remove", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("claim", new Shape(2, 2, Set.of(), false, false)),
            Map.entry("unregister", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("interrupt", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("proc", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("remove_proc_entry", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("wait", new Shape(1, 1, Set.of(), false, false)));

    private static final Map<String, Shape> PROCESS = Map.ofEntries(
            Map.entry("open", new Shape(1, 1, Set.of("mode"), true, true)),
            Map.entry("mmap", new Shape(1, 1, Set.of("pages", "offset", "prot"), true, true)),
            Map.entry("load", new Shape(1, 1, Set.of("page"), false, false)),
            Map.entry("store", new Shape(1, 1, Set.of("page", "value"), false, false)),
            Map.entry("read", new Shape(1, 1, Set.of("count", "async"), true, false)),
            Map.entry("write", new Shape(1, 2, Set.of(), false, false)),
            Map.entry("poll", new Shape(1, 1, Set.of("wait", "async"), true, false)),
            Map.entry("ioctl", new Shape(1, 1, Set.of("cmd", "arg"), false, false)),
            Map.entry("llseek", new Shape(1, 1, Set.of("offset", "whence"), false, false)),
            Map.entry("fork", new Shape(0, 0, Set.of(), true, true)),
            Map.entry("munmap", new Shape(1, 1, Set.of("pages", "offset"), false, false)),
            Map.entry("mremap", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("access", new Shape(2, 2, Set.of("page"), false, false)),
            Map.entry("close", new Shape(1, 1, Set.of(), false, false)),
            Map.entry("exit", new Shape(0, 0, Set.of(), false, false)));

    private ScenarioParser() {
    }

    /** The verbs a script may use: global verbs, then process verbs. */
    public static List<String> verbs() {
        List<String> all = new ArrayList<>(GLOBAL.keySet());
        Collections.sort(all);
        List<String> p = new ArrayList<>(PROCESS.keySet());
        Collections.sort(p);
        all.addAll(p);
        return all;
    }

    /**
     * Parses a whole script. Throws {@link ScenarioException} of kind MALFORMED naming the first bad
     * line; returns the steps otherwise.
     */
    public static List<Step> parse(String script, List<String> lines) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Step s = parseLine(script, i + 1, lines.get(i));
            if (s != null) {
                steps.add(s);
            }
        }
        return steps;
    }

    /** One line; null for a blank or comment-only line. */
    static Step parseLine(String script, int line, String raw) {
        String text = raw;
        int hash = text.indexOf('#');
        if (hash >= 0) {
            text = text.substring(0, hash);
        }
        text = text.strip();
        if (text.isEmpty()) {
            return null;
        }
        String where = script + ":" + line;
        List<String> tokens = List.of(text.split("\\s+"));
        String actor = null;
        String verb = tokens.get(0);
        int first = 1;
        Shape shape = GLOBAL.get(verb);
        if (shape == null) {
            if (tokens.size() < 2) {
                throw malformed(where, text, "unknown verb '" + verb + "' (verbs: " + String.join(", ", verbs()) + ")");
            }
            actor = verb;
            verb = tokens.get(1);
            first = 2;
            shape = PROCESS.get(verb);
            if (shape == null) {
                throw malformed(where, text, GLOBAL.containsKey(verb)
                        ? "'" + verb + "' is not run by a process: write it without '" + actor + "'"
                        : "unknown verb: '" + actor + "' is not a global verb and '" + verb + "' is not a process verb (verbs: "
                        + String.join(", ", verbs()) + ")");
            }
            if (!isName(actor)) {
                throw malformed(where, text, "'" + actor + "' is not a process name");
            }
        }
        List<String> args = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        String as = null;
        String expect = null;
        for (int i = first; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.equals("as")) {
                if (!shape.as()) {
                    throw malformed(where, text, "'" + verb + "' does not take 'as NAME'");
                }
                if (i + 1 >= tokens.size() || !isName(tokens.get(i + 1))) {
                    throw malformed(where, text, "'as' needs a name (letters, digits, _ and -)");
                }
                if (as != null) {
                    throw malformed(where, text, "'as' given twice");
                }
                as = tokens.get(++i);
            } else if (t.contains("=") && !t.startsWith("/")) {
                int eq = t.indexOf('=');
                String key = t.substring(0, eq);
                String value = t.substring(eq + 1);
                if (value.isEmpty()) {
                    throw malformed(where, text, "option '" + key + "' has no value");
                }
                if (key.equals("expect")) {
                    if (expect != null) {
                        throw malformed(where, text, "'expect' given twice");
                    }
                    if (!ScenarioRunner.isKnownOutcome(value)) {
                        throw malformed(where, text, "expect=" + value + " is not ok, an errno name, SIGBUS, SIGSEGV or poll bits");
                    }
                    expect = value;
                } else if (!shape.options().contains(key)) {
                    throw malformed(where, text, "'" + verb + "' has no option '" + key + "'"
                            + (shape.options().isEmpty() ? "" : " (options: " + String.join(", ", new java.util.TreeSet<>(shape.options())) + ")"));
                } else if (options.put(key, value) != null) {
                    throw malformed(where, text, "option '" + key + "' given twice");
                }
            } else {
                if (as != null) {
                    throw malformed(where, text, "'" + t + "' after 'as " + as + "'");
                }
                args.add(t);
            }
        }
        if (args.size() < shape.minArgs() || args.size() > shape.maxArgs()) {
            throw malformed(where, text, "'" + verb + "' takes " + (shape.minArgs() == shape.maxArgs()
                    ? shape.minArgs() : shape.minArgs() + " to " + shape.maxArgs()) + " argument(s), got " + args.size());
        }
        if (shape.asRequired() && as == null) {
            throw malformed(where, text, "'" + verb + "' needs 'as NAME' to name what it makes");
        }
        return new Step(script, line, text, actor, verb, List.copyOf(args), Collections.unmodifiableMap(options), as, expect);
    }

    private static boolean isName(String s) {
        return s.matches("[A-Za-z_][A-Za-z0-9_.-]*");
    }

    private static ScenarioException malformed(String where, String text, String problem) {
        return new ScenarioException(ScenarioException.Kind.MALFORMED, where, problem + "\n  " + text);
    }
}
