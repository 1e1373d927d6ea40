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
                        + " Lives that are over come first, in the order they ended; then the others, by object id."})
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

    @Override
    public Integer call() {
        if (until != null && until < 0) {
            throw new InputException("--until must be a seq (0 or more), got " + until);
        }
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
        ReplayState.Streaming replay = ReplayState.stream((id, life) -> print(out, id, life));
        LogSource.forEach(source, run, e -> {
            if (e.seq() <= limit) {
                replay.accept(e);
            }
        }, prefix);
        replay.finish().objects().forEach((id, o) -> o.lives().forEach(life -> print(out, id, life)));
        return Main.OK;
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
