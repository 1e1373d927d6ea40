package io.revokefs.cli;

import io.revokefs.history.Auditor;
import io.revokefs.history.ReplayState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code revokefs replay}: prints the state rebuilt from a log, at its end or at a seq, one block
 * per life of each object. The log is read twice: once to check it whole (a malformed log prints no
 * state), then to replay it streaming: a life that is over (revoked and completed, or followed by a
 * new registration, with no file open and no VMA left) is printed as soon as it is over and
 * forgotten, so memory is bounded by the lives still going; those are printed at the end, by id.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Rebuilds every object's state from an event log or store and prints each life of each object.",
                "For each life: open files, VMAs per process with their populated pages, revoked or live, releases."
                        + " Lives that are over come first, in the order they ended; then the others, by object id.",
                "With --pfn: who maps that physical page at the end or at --until, from the log alone."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG_OR_STORE", description = "a JSON-lines log, an embedded store file, or a jdbc: URL")
    String source;

    @Option(names = "--run", paramLabel = "ID", description = "the run of the store to read (default: its only run; 'revokefs runs STORE' lists them)")
    String run;

    @Option(names = "--until", paramLabel = "SEQ", description = "stop after the event with this seq")
    Long until;

    @Option(names = "--object", paramLabel = "ID", description = "print only this object")
    String object;

    @Option(names = "--prefix", description = "replay the complete lines of a log whose last line was cut (a killed run)")
    boolean prefix;

    @Option(names = "--pfn", paramLabel = "PFN", description = "print the VMAs that reach this physical page (decimal or 0x hex), "
            + "each with whether its PTE is present, instead of the objects' state")
    String pfn;

    @Option(names = "--pages", paramLabel = "N", description = "with --pfn: the range of N pages from PFN (default 1)")
    Long pages;

    @Override
    public Integer call() {
        if (until != null && until < 0) {
            throw new InputException("--until must be a seq (0 or more), got " + until);
        }
        long[] range = pfnRange();
        long limit = until == null ? Long.MAX_VALUE : until;
        long[] last = {0};
        boolean[] named = {object == null};
        long cutTail = LogSource.forEach(source, run, e -> {
            if (e.seq() <= limit) {
                last[0] = e.seq();
                named[0] |= e.object().equals(object);
            }
        }, prefix);
        if (!named[0]) {
            throw new InputException("no object '" + object + "' in " + source + (until == null ? "" : " up to seq " + until));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (cutTail > 0) {
            out.println("prefix: line " + cutTail + " is cut (the writer stopped mid-line); replayed the complete lines before it");
        }
        out.println("state after seq " + last[0]);
        if (range != null) {
            // A life handed out as over has no VMA left: the lives still going hold every mapping.
            ReplayState.Streaming replay = ReplayState.stream((id, life) -> { });
            LogSource.forEach(source, run, e -> {
                if (e.seq() <= limit) {
                    replay.accept(e);
                }
            }, prefix);
            printWhoMaps(out, replay.finish(), range[0], range[1]);
            return Main.OK;
        }
        ReplayState.Streaming replay = ReplayState.stream((id, life) -> print(out, id, life));
        LogSource.forEach(source, run, e -> {
            if (e.seq() <= limit) {
                replay.accept(e);
            }
        }, prefix);
        replay.finish().objects().forEach((id, o) -> o.lives().forEach(life -> print(out, id, life)));
        return Main.OK;
    }

    /** {@code --pfn} and {@code --pages}, checked: {first, pages}, or null without --pfn. */
    private long[] pfnRange() {
        if (pfn == null) {
            if (pages != null) {
                throw new InputException("--pages goes with --pfn");
            }
            return null;
        }
        long first;
        try {
            first = pfn.startsWith("0x") || pfn.startsWith("0X") ? Long.parseLong(pfn.substring(2), 16) : Long.parseLong(pfn);
        } catch (NumberFormatException e) {
            throw new InputException("--pfn must be a physical page number (decimal or 0x hex, 0 to 2^63-1), got '" + pfn + "'");
        }
        if (first < 0) {
            throw new InputException("--pfn must be 0 or more, got " + pfn);
        }
        long n = pages == null ? 1 : pages;
        if (n < 1 || n - 1 > Long.MAX_VALUE - first) {
            throw new InputException("--pages must be at least 1 and end below 2^63 from --pfn, got " + n);
        }
        return new long[] {first, n};
    }

    private void printWhoMaps(PrintWriter out, ReplayState state, long first, long n) {
        List<ReplayState.PfnReach> reach = state.whoMaps(first, n);
        if (object != null) {
            reach = reach.stream().filter(r -> r.object().equals(object)).toList();
        }
        out.println(String.format("who maps pfn 0x%x%s:", first, n == 1 ? "" : String.format("-0x%x", first + n - 1)));
        if (reach.isEmpty()) {
            out.println("  no VMA");
        }
        int present = 0;
        for (ReplayState.PfnReach r : reach) {
            present += r.present() > 0 ? 1 : 0;
            out.println(String.format("  pid %d %s via %s (life %d, mapping %s) at pgoff 0x%x (pfn 0x%x): %d of %d %s present",
                    r.pid(), Auditor.escape(r.vma()), Auditor.escape(r.object()), r.life(), Auditor.escape(r.mapping()), r.firstPgoff(),
                    r.firstPfn(), r.present(), r.pages(), r.pages() == 1 ? "page" : "pages"));
        }
        out.println("mappings with a PTE present: " + present);
        long unknown = state.unknownPfnVmas();
        if (unknown > 0) {
            out.println("not counted: " + unknown + " VMA(s) of a driver's own mapping whose Mmapped has no pfn (a log"
                    + " written without it): their physical pages are not in the log");
        }
    }

    private void print(PrintWriter out, String id, ReplayState.Life life) {
        // Life 0 (events of an id never registered, such as iomem's zaps) only when asked for by name.
        if (object == null ? life.number() > 0 : id.equals(object)) {
            print(out, id, life, life.number() == 0 ? "never registered" : life.revoked() ? "revoked" : "live");
        }
    }

    static void print(PrintWriter out, String id, ReplayState.Life o, String status) {
        out.println();
        out.println(Auditor.escape(id) + "  [" + (o.adapter() == null ? "no adapter" : Auditor.escape(o.adapter()))
                + ", life " + o.number() + ", " + status + "]");
        out.println("  open files: " + (o.openFiles().isEmpty() ? "none" : String.join(" ", o.openFiles())));
        if (o.releases().isEmpty()) {
            out.println("  releases:   none");
        } else {
            StringBuilder sb = new StringBuilder();
            o.releases().forEach((f, cause) -> sb.append(sb.length() == 0 ? "" : " ").append(f).append('=').append(cause));
            out.println("  releases:   " + sb);
        }
        if (o.vmas().isEmpty()) {
            out.println("  vmas:       none");
            return;
        }
        Map<Integer, List<String>> byPid = new TreeMap<>();
        o.vmas().forEach((vid, v) -> byPid.computeIfAbsent(v.pid(), k -> new ArrayList<>())
                .add(vid + " pages " + ranges(v.mapped()) + " populated " + (v.populated().isEmpty() ? "none" : ranges(v.populated()))
                        + " (" + v.mapping() + ")"));
        byPid.forEach((pid, lines) -> {
            out.println("  pid " + pid + ":");
            lines.forEach(l -> out.println("    " + l));
        });
    }

    private static String ranges(List<ReplayState.PageRange> rs) {
        StringBuilder sb = new StringBuilder();
        for (ReplayState.PageRange r : rs) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(String.format("0x%x", r.first()));
            if (r.count() > 1) {
                sb.append(String.format("-0x%x", r.first() + r.count() - 1));
            }
        }
        return sb.toString();
    }
}
