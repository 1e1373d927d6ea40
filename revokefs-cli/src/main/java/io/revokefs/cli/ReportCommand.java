package io.revokefs.cli;

import io.revokefs.cli.report.HtmlReport;
import io.revokefs.core.event.RecordedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code revokefs report}: one self-contained HTML page: the run's timeline with its causes, the
 * state at any seq, a timeline per object (docs/report.md).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Draws one self-contained HTML page of a run (inline SVG and script, no network needed).",
                "The page shows the run on one timeline with what caused each revoke, the state at any seq, and a"
                        + " timeline per object."})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG_OR_STORE", description = "a JSON-lines log, an embedded store file, or a jdbc: URL")
    String source;

    @Option(names = "--run", paramLabel = "ID", description = "the run of the store to read (default: its only run; 'revokefs runs STORE' lists them)")
    String run;

    @Option(names = "--html", paramLabel = "OUT.html", required = true, description = "where to write the page")
    Path html;

    @Override
    public Integer call() {
        RunCommand.refuseSame(html, "--html", Path.of(source), "the log");
        if (LogSource.embeddedStore(source) != null) {
            RunCommand.refuseSame(html, "--html", Path.of(LogSource.embeddedStore(source) + ".mv.db"), "the store");
        }
        List<RecordedEvent> events = LogSource.readAll(source, run);
        write(html, "revokefs report: " + source, events);
        spec.commandLine().getOut().println("report: " + html + " (" + events.size() + " events)");
        return Main.OK;
    }

    static void write(Path html, String title, List<RecordedEvent> events) {
        try {
            Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(html, HtmlReport.render(title, events), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputException("cannot write " + html + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        }
    }
}
