package io.revokefs.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every sentence of README.md and docs/*.md that says what Linux does ("In Linux ...", "Linux's ...",
 * "Linux leaves ...", "the kernel calls ...") names the kernel function, flag or source file it
 * comes from in the same sentence (a table row counts as one sentence): issue 13's "no doc states a
 * kernel behaviour without the function it comes from". Code blocks and headings are not read.
 */
class DocsKernelClaimsTest {
    private static final Path ROOT = Path.of("..");

    private static final String VERBS = "leaves|zaps|calls|does|returns|answers|populates|wakes|re-derives|copies"
            + "|checks|has|never|gives|marks|makes|publishes|sends|skips|refuses|keeps|uses|clears|sets|waits"
            + "|blocks|reaches|finds|installs|unmaps|revokes|drops|ignores|wraps|fails";
    /** A sentence that states a behaviour of Linux. */
    private static final Pattern CLAIM = Pattern.compile(
            "\\bIn Linux\\b|\\bLinux's\\b|\\bLinux (" + VERBS + ")\\b|\\bthe kernel (" + VERBS + ")\\b");
    /**
     * A kernel name: a snake_case identifier ({@code kernfs_fop_mmap}, {@code vm_pgoff}), a
     * {@code ->op}, a source file ({@code fs/kernfs/file.c}) or an upper-case flag ({@code VM_PFNMAP}).
     */
    private static final Pattern KERNEL_NAME = Pattern.compile(
            "\\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\\b|->[a-z_]+|\\b[a-z]+/[a-z0-9_/-]+\\.[ch]\\b|\\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\\b");

    /** The claims of {@code text} that name no kernel function, each as "line: sentence". */
    static List<String> unsourcedClaims(String text) {
        List<String> found = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        StringBuilder paragraph = new StringBuilder();
        int paragraphLine = 0;
        boolean inCode = false;
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : "";
            boolean fence = line.startsWith("```");
            boolean breaks = fence || inCode || line.isBlank() || line.startsWith("#") || line.startsWith("|")
                    || (line.stripLeading().startsWith("- ") && paragraph.length() > 0);
            if (breaks && paragraph.length() > 0) {
                for (String sentence : sentences(paragraph.toString())) {
                    check(sentence, paragraphLine, found);
                }
                paragraph.setLength(0);
            }
            if (fence) {
                inCode = !inCode;
                continue;
            }
            if (inCode || line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("|")) {
                check(line, i + 1, found);
                continue;
            }
            if (paragraph.length() == 0) {
                paragraphLine = i + 1;
            } else {
                paragraph.append(' ');
            }
            paragraph.append(line.strip());
        }
        return found;
    }

    private static void check(String sentence, int line, List<String> found) {
        if (CLAIM.matcher(sentence).find() && !KERNEL_NAME.matcher(sentence).find()) {
            found.add(line + ": " + sentence.strip());
        }
    }

    /** Splits at '.' or ';' followed by a space, outside parentheses and backticks. */
    private static List<String> sentences(String paragraph) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        boolean code = false;
        for (int i = 0; i < paragraph.length(); i++) {
            char c = paragraph.charAt(i);
            cur.append(c);
            if (c == '`') {
                code = !code;
            } else if (!code && c == '(') {
                depth++;
            } else if (!code && c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (!code && depth == 0 && (c == '.' || c == ';')
                    && i + 1 < paragraph.length() && paragraph.charAt(i + 1) == ' ') {
                out.add(cur.toString());
                cur.setLength(0);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString());
        }
        return out;
    }

    @Test
    void everyLinuxClaimInTheDocsNamesItsKernelFunction() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        assertThat(docs).hasSizeGreaterThan(10);
        List<String> unsourced = new ArrayList<>();
        for (Path doc : docs) {
            for (String claim : unsourcedClaims(Files.readString(doc))) {
                unsourced.add(doc.getFileName() + ":" + claim);
            }
        }
        assertThat(unsourced).as("sentences saying what Linux does without naming the kernel function").isEmpty();
    }

    @Test
    void theCheckFindsAClaimWithoutAFunctionAndAcceptsOneWithIt() {
        // The planted control: the check above would pass on any text if these did not hold.
        assertThat(unsourcedClaims("Linux leaves physical maps mapped after the device is gone.\n"))
                .containsExactly("1: Linux leaves physical maps mapped after the device is gone.");
        assertThat(unsourcedClaims("Some text.\n\nIn Linux a poller sleeps\nuntil its timeout. Here it wakes.\n"))
                .containsExactly("3: In Linux a poller sleeps until its timeout.");
        assertThat(unsourcedClaims("| 4 | Linux's unregister | leaves the maps |\n"))
                .containsExactly("1: | 4 | Linux's unregister | leaves the maps |");
        assertThat(unsourcedClaims("Linux leaves physical maps mapped (`uio_unregister_device` calls no zap).\n"))
                .isEmpty();
        assertThat(unsourcedClaims("In Linux the zap misses the VMA; `kernfs_drain_open_files` zaps i_mapping.\n"))
                .as("each sentence stands alone").hasSize(1);
        assertThat(unsourcedClaims("```\nIn Linux nothing.\n```\n# In Linux, a heading\n")).isEmpty();
    }
}
