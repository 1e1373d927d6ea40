package io.revokefs.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --help} of the command and of every subcommand, at 80 and at 110 columns: no line is
 * wider than the terminal, no word, name or option is broken across lines, every description
 * sentence is printed whole, and the command list shows each subcommand's first sentence whole.
 */
class HelpTest {
    private static final List<Integer> WIDTHS = List.of(80, 110);
    /** Wide enough that picocli wraps nothing: the text as written. */
    private static final int UNWRAPPED = 1000;

    private static String help(int width, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine(width);
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute(args)).isZero();
        return out.toString();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    /** The commands to ask for help: the top one (no name) and each subcommand by name. */
    private static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        all.add(List.of());
        for (String name : Main.commandLine(UNWRAPPED).getSubcommands().keySet()) {
            all.add(List.of(name));
        }
        return all;
    }

    private static String[] helpArgs(List<String> command) {
        List<String> args = new ArrayList<>(command);
        args.add("--help");
        return args.toArray(String[]::new);
    }

    @Test
    void helpWrapsOnlyBetweenWordsAt80And110Columns() {
        assertThat(commands()).hasSize(8);
        for (List<String> command : commands()) {
            List<String> asWritten = words(help(UNWRAPPED, helpArgs(command)));
            for (int width : WIDTHS) {
                String text = help(width, helpArgs(command));
                for (String line : text.lines().toList()) {
                    assertThat(line.length()).as("%s --help at %d: %s", command, width, line).isLessThanOrEqualTo(width);
                }
                // A line break inside a word (picocli's BreakIterator breaks after '.', '-', '/')
                // splits it in two: the words would differ from those of the unwrapped text.
                assertThat(words(text)).as("%s --help at %d columns", command, width).isEqualTo(asWritten);
            }
        }
    }

    @Test
    void everyDescriptionIsWholeSentencesAndPrintedWhole() {
        CommandLine top = Main.commandLine(UNWRAPPED);
        List<CommandSpec> specs = new ArrayList<>();
        specs.add(top.getCommandSpec());
        top.getSubcommands().values().forEach(c -> specs.add(c.getCommandSpec()));
        for (CommandSpec spec : specs) {
            String name = spec.qualifiedName();
            String[] description = spec.usageMessage().description();
            assertThat(description).as(name).isNotEmpty();
            List<String> helpArgs = new ArrayList<>(Arrays.asList(name.split(" ")).subList(1, name.split(" ").length));
            for (int width : WIDTHS) {
                List<String> printed = words(help(width, helpArgs(helpArgs)));
                // Each element is laid out as a paragraph of its own: one that stopped mid-sentence
                // would end a paragraph with a comma (what the command list used to show).
                for (String sentence : description) {
                    assertThat(sentence).as("%s: a description element ends a sentence", name).endsWith(".");
                    assertThat(Collections.indexOfSubList(printed, words(sentence)))
                            .as("%s --help at %d prints whole: %s", name, width, sentence).isNotNegative();
                }
                for (ArgSpec arg : spec.args()) {
                    // One element per option: picocli would start each further element on a line of its own.
                    assertThat(arg.description()).as("%s %s: one description element", name, arg.paramLabel()).hasSize(1);
                    assertThat(Collections.indexOfSubList(printed, words(arg.description()[0])))
                            .as("%s --help at %d prints whole: %s", name, width, arg.description()[0]).isNotNegative();
                }
            }
        }
    }

    @Test
    void theCommandListShowsEachSubcommandsFirstSentenceWhole() {
        for (int width : WIDTHS) {
            List<String> printed = words(help(width, "--help"));
            Main.commandLine(UNWRAPPED).getSubcommands().forEach((name, sub) -> {
                String first = sub.getCommandSpec().usageMessage().description()[0];
                List<String> entry = new ArrayList<>(List.of(name));
                entry.addAll(words(first));
                assertThat(Collections.indexOfSubList(printed, entry))
                        .as("revokefs --help at %d lists %s with: %s", width, name, first).isNotNegative();
            });
        }
    }

    @Test
    void helpWidthComesFromColumns() {
        assertThat(Main.usageWidth("110")).isEqualTo(110);
        assertThat(Main.usageWidth(" 132 ")).isEqualTo(132);
        assertThat(Main.usageWidth(null)).isEqualTo(Main.DEFAULT_WIDTH);
        assertThat(Main.usageWidth("wide")).isEqualTo(Main.DEFAULT_WIDTH);
        assertThat(Main.usageWidth("20")).isEqualTo(Main.MIN_WIDTH);
    }

    @Test
    void theCommandReadsColumnsFromItsEnvironment() throws Exception {
        Path dir = Files.createTempDirectory("help");
        for (int width : WIDTHS) {
            Path out = dir.resolve("out" + width);
            Process p = CliChild.start(java.util.Map.of("COLUMNS", Integer.toString(width)), out, dir.resolve("err" + width),
                    "run", "--help");
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(Files.readString(out)).isEqualTo(help(width, "run", "--help"));
        }
    }
}
