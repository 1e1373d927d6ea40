package io.revokefs.cli;

import io.revokefs.cli.report.HtmlReport;
import io.revokefs.core.event.RecordedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

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
        // Read twice, never held whole (HtmlReport.render(String, Log, Limits)): the first pass also
        // validates the whole log before anything is written.
        Passes log = new Passes();
        stream(html, out -> HtmlReport.render("revokefs report: " + source, log, HtmlReport.Limits.DEFAULT, out));
        spec.commandLine().getOut().println("report: " + html + " (" + log.firstCount + " events)");
        return Main.OK;
    }

    /**
     * The source read again at each pass. A later pass takes as many events as the first: a log that
     * grows meanwhile (a store a run still writes) is drawn as it was; one that shrinks is refused.
     */
    private final class Passes implements HtmlReport.Log {
        long firstCount = -1;
        private long count;

        @Override
        public void forEach(Consumer<RecordedEvent> sink) {
            long limit = firstCount;
            count = 0;
            LogSource.forEach(source, run, e -> {
                if (limit < 0 || count < limit) {
                    count++;
                    sink.accept(e);
                }
            });
            if (limit < 0) {
                firstCount = count;
            } else if (count < limit) {
                throw new InputException(source + ": changed while the report read it (" + limit + " events, then " + count + ")");
            }
        }
    }

    static void write(Path html, String title, List<RecordedEvent> events) {
        stream(html, out -> out.append(HtmlReport.render(title, events)));
    }

    /** What writes the page to a file as it is drawn. */
    private interface Page {
        void writeTo(Appendable out) throws IOException;
    }

    /**
     * Writes the page to a temporary file beside {@code html} and moves it over {@code html} once
     * whole: a page that fails (bad input, out of memory) leaves no half-written file and the old one in place.
     */
    private static void stream(Path html, Page page) {
        Path tmp = null;
        try {
            Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            tmp = html.resolveSibling(html.getFileName() + ".tmp");
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                page.writeTo(out);
            }
            Files.move(tmp, html, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new InputException("cannot write " + html + ": " + LogSource.rootMessage(e), Main.BAD_INPUT, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the error being reported matters more
                }
            }
        }
    }
}
