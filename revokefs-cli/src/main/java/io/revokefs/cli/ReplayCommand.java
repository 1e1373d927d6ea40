package io.revokefs.cli;

import io.revokefs.core.event.RecordedEvent;
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

/** {@code revokefs replay}: prints the state rebuilt from a log, at its end or at a seq. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Rebuilds every object's state from an event log or store and prints it: open files,",
                "VMAs per process with their populated pages, revoked or not, releases."})
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

    @Override
    public Integer call() {
        if (until != null && until < 0) {
            throw new InputException("--until must be a seq (0 or more), got " + until);
        }
        List<RecordedEvent> events = new ArrayList<>();
        LogSource.forEach(source, run, e -> {
            if (until == null || e.seq() <= until) {
                events.add(e);
            }
        });
        ReplayState state = ReplayState.of(events);
        PrintWriter out = spec.commandLine().getOut();
        if (object != null && !state.objects().containsKey(object)) {
            throw new InputException("no object '" + object + "' in " + source + (until == null ? "" : " up to seq " + until));
        }
        out.println("state after seq " + state.lastSeq());
        state.objects().forEach((id, o) -> {
            if ((object == null && o.adapter() != null) || id.equals(object)) {
                print(out, id, o);
            }
        });
        return Main.OK;
    }

    static void print(PrintWriter out, String id, ReplayState.ObjectState o) {
        out.println();
        out.println(id + "  [" + o.adapter() + ", life " + o.lives() + ", " + (o.revoked() ? "REVOKED" : "live") + "]");
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
