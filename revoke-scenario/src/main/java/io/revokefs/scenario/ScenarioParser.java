package io.revokefs.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses scenario scripts (docs/semantics.md sections 8 and 12): one command a line, {@code #} starts a
 * comment, names are the user's. A line is {@code [ACTOR] VERB ARG... [key=value]... [as NAME]};
 * global verbs ({@code process}, {@code wait}, {@code whomaps}, and those of the adapters: {@code pci}, {@code uio},
 * ...) have no actor, process verbs ({@code open}, {@code mmap}, ...) follow a process name.
 * {@code together} ... {@code end} groups lines that run at the same time.
 *
 * <p>Everything is checked here, before any line of any script runs: each line's shape, every number
 * against its range, every {@code expect=} alternative, and every name (a process, file, mapping,
 * async operation or adapter device must be made by an earlier line: {@link Scope}). A script with a
 * malformed line runs nothing.
 */
public final class ScenarioParser {
    /** Lines longer than this are shown cut in messages. */
    private static final int SHOWN = 120;

    private static final Map<String, VerbShape> OWN_GLOBAL = Map.of(
            "process", VerbShape.args(1, 1).options("uid"),
            "wait", VerbShape.args(1, 1),
            "whomaps", VerbShape.args(1, 1).options("pages"));

    private static final Map<String, VerbShape> PROCESS = Map.ofEntries(
            Map.entry("open", VerbShape.args(1, 1).options("mode").withAs(true)),
            Map.entry("mmap", VerbShape.args(1, 1).options("pages", "offset", "prot", "region").withAs(true)),
            Map.entry("load", VerbShape.args(1, 1).options("page")),
            Map.entry("store", VerbShape.args(1, 1).options("page", "value")),
            Map.entry("read", VerbShape.args(1, 1).options("count", "wait", "async").withAs(false)),
            Map.entry("write", VerbShape.args(1, 2)),
            Map.entry("poll", VerbShape.args(1, 1).options("wait", "async").withAs(false)),
            Map.entry("ioctl", VerbShape.args(1, 1).options("cmd", "arg")),
            Map.entry("memory", VerbShape.args(2, 2)),
            Map.entry("llseek", VerbShape.args(1, 1).options("offset", "whence")),
            Map.entry("fork", VerbShape.args(0, 0).withAs(true)),
            Map.entry("munmap", VerbShape.args(1, 1).options("pages", "offset")),
            Map.entry("mremap", VerbShape.args(1, 1)),
            Map.entry("access", VerbShape.args(2, 2).options("page")),
            Map.entry("close", VerbShape.args(1, 1)),
            Map.entry("fasync", VerbShape.args(2, 2)),
            Map.entry("signals", VerbShape.args(0, 0)),
            Map.entry("exit", VerbShape.args(0, 0)));

    private final ScenarioProviders providers;

    public ScenarioParser(ScenarioProviders providers) {
        this.providers = providers;
    }

    /** Whether {@code verb} is one of the language's own (not an adapter's). */
    public static boolean isOwnVerb(String verb) {
        return OWN_GLOBAL.containsKey(verb) || PROCESS.containsKey(verb) || verb.equals("together") || verb.equals("end");
    }

    /** The verbs a script may use: global verbs, then process verbs, each sorted. */
    public List<String> verbs() {
        List<String> all = new ArrayList<>(new TreeSet<>(globalNames()));
        all.addAll(new TreeSet<>(PROCESS.keySet()));
        return all;
    }

    private Set<String> globalNames() {
        Set<String> g = new TreeSet<>(OWN_GLOBAL.keySet());
        g.addAll(providers.verbs().keySet());
        g.add("together");
        return g;
    }

    /** Parses one whole script with a scope of its own. */
    public Scenario parse(String script, List<String> lines) {
        return parse(script, lines, new Scope());
    }

    /**
     * Parses a whole script; {@code scope} holds the names earlier scripts of the run made (and gets
     * this one's). Throws {@link ScenarioException} of kind MALFORMED naming the first bad line.
     */
    public Scenario parse(String script, List<String> lines, Scope scope) {
        List<Step> steps = new ArrayList<>();
        Map<Step, GlobalVerb.Action> actions = new IdentityHashMap<>();
        int block = 0;
        int blockLine = 0;
        int blockSize = 0;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            if (i == 0 && raw.startsWith("\uFEFF")) {
                raw = raw.substring(1); // a UTF-8 byte order mark, as some editors write
            }
            String where = script + ":" + (i + 1);
            String text = clean(where, raw);
            if (text.isEmpty()) {
                continue;
            }
            if (text.equals("together")) {
                if (block != 0) {
                    throw malformed(where, text, "'together' inside the together block of line " + blockLine + ": blocks do not nest");
                }
                block = scope.enterBlock();
                blockLine = i + 1;
                blockSize = 0;
                continue;
            }
            if (text.equals("end")) {
                if (block == 0) {
                    throw malformed(where, text, "'end' without 'together'");
                }
                if (blockSize < 1) {
                    throw malformed(where, text, "an empty together block");
                }
                block = 0;
                scope.leaveBlock();
                continue;
            }
            if (text.startsWith("together ") || text.startsWith("end ")) {
                throw malformed(where, text, "'" + text.split("\\s+")[0] + "' stands alone on its line");
            }
            Step s = parseLine(where, script, i + 1, text, block);
            GlobalVerb.Action a = resolve(s, scope);
            steps.add(s);
            if (a != null) {
                actions.put(s, a);
            }
            blockSize++;
        }
        if (block != 0) {
            throw new ScenarioException(ScenarioException.Kind.MALFORMED, script + ":" + blockLine,
                    "'together' without 'end'");
        }
        return new Scenario(steps, actions);
    }

    /** The line without its comment and surrounding blanks; refuses what no script holds (control characters). */
    private static String clean(String where, String raw) {
        for (int c = 0; c < raw.length(); c++) {
            char ch = raw.charAt(c);
            if (ch < 0x20 && ch != '\t' || ch == 0x7f || ch == '\uFEFF' || ch == '\uFFFD') {
                throw new ScenarioException(ScenarioException.Kind.MALFORMED, where, String.format(
                        "character U+%04X at column %d: a script is text (is this a binary file?)", (int) ch, c + 1));
            }
        }
        String text = raw;
        int hash = text.indexOf('#');
        if (hash >= 0) {
            text = text.substring(0, hash);
        }
        return text.strip();
    }

    /** Checks the step's names and options against the scope; returns an adapter verb's action. */
    private GlobalVerb.Action resolve(Step s, Scope scope) {
        if (s.actor() == null) {
            GlobalVerb v = providers.verbs().get(s.verb());
            if (v != null) {
                return v.prepare(s, scope);
            }
        }
        ScenarioRunner.check(s, scope);
        return null;
    }

    /** One line, without its comment, not blank. */
    private Step parseLine(String where, String script, int line, String text, int block) {
        List<String> tokens = List.of(text.split("\\s+"));
        String actor = null;
        String verb = tokens.get(0);
        int first = 1;
        VerbShape shape = globalShape(verb);
        if (shape == null) {
            if (tokens.size() < 2) {
                throw malformed(where, text, "unknown verb '" + verb + "' (verbs: " + String.join(", ", verbs()) + ")");
            }
            actor = verb;
            verb = tokens.get(1);
            first = 2;
            shape = PROCESS.get(verb);
            if (shape == null) {
                throw malformed(where, text, globalShape(verb) != null
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
                    for (String alt : value.split(",", -1)) {
                        if (actor == null && verb.equals("whomaps")) {
                            if (!ScenarioRunner.isCount(alt)) {
                                throw malformed(where, text, "expect=" + (alt.equals(value) ? value : value + ": '" + alt + "'")
                                        + " is not a count: whomaps expects the number of mappings with a PTE present (0, 1, ...)");
                            }
                        } else if (!ScenarioRunner.isKnownOutcome(alt)) {
                            throw malformed(where, text, "expect=" + (alt.equals(value) ? value : value + ": '" + alt + "'")
                                    + " is not ok, an errno name, a signal or poll bits (alternatives are separated by commas)");
                        }
                    }
                    expect = value;
                } else if (!shape.options().contains(key)) {
                    throw malformed(where, text, "'" + verb + "' has no option '" + key + "'"
                            + (shape.options().isEmpty() ? "" : " (options: " + String.join(", ", new TreeSet<>(shape.options())) + ")"));
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
        Step s = new Step(script, line, text, actor, verb, List.copyOf(args), Collections.unmodifiableMap(options), as, expect, block);
        if (shape.asRequired() && as == null && s.maySucceed()) {
            throw malformed(where, text, "'" + verb + "' needs 'as NAME' to name what it makes (unless it is expected to fail)");
        }
        return s;
    }

    private VerbShape globalShape(String verb) {
        VerbShape own = OWN_GLOBAL.get(verb);
        if (own != null) {
            return own;
        }
        GlobalVerb v = providers.verbs().get(verb);
        return v == null ? null : v.shape();
    }

    private static boolean isName(String s) {
        return s.matches("[A-Za-z_][A-Za-z0-9_.-]*");
    }

    private static ScenarioException malformed(String where, String text, String problem) {
        return new ScenarioException(ScenarioException.Kind.MALFORMED, where, problem + "\n  " + shown(text));
    }

    /** A line as messages show it: cut past {@value #SHOWN} characters. */
    static String shown(String text) {
        return text.length() <= SHOWN ? text : text.substring(0, SHOWN) + "... (" + text.length() + " characters)";
    }
}
