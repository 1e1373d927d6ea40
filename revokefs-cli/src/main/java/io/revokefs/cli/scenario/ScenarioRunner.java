package io.revokefs.cli.scenario;

import io.revokefs.core.kernel.Pci;
import io.revokefs.core.Errno;
import io.revokefs.core.PollBit;
import io.revokefs.core.Result;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.MemoryAccess;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Vma;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs parsed scenario steps on a {@link World}. Each step's outcome ({@code ok}, an errno name, a
 * signal name, or a poll mask) is compared with its {@code expect} (default {@code ok}); the first
 * mismatch stops the run with a {@link ScenarioException} of kind EXPECTATION naming the line.
 */
public final class ScenarioRunner {
    /** How long {@code wait} waits for an async operation before calling the script stuck. */
    private static final long WAIT_SECONDS = 10;

    private final World world;
    private final Map<String, Process> processes = new HashMap<>();
    private final Map<String, OpenFile> files = new HashMap<>();
    private final Map<String, VmaName> vmas = new HashMap<>();
    private final Map<String, CompletableFuture<String>> tasks = new HashMap<>();
    private final java.util.Set<String> collected = new java.util.HashSet<>();
    private int steps;
    private java.util.function.Consumer<String> onLine = expect -> { };

    /** What a VMA name names: the range it was mapped at (it follows an mremap). */
    private static final class VmaName {
        long start;
        final long pages;

        VmaName(long start, long pages) {
            this.start = start;
            this.pages = pages;
        }
    }

    public ScenarioRunner(World world) {
        this.world = world;
    }

    /**
     * Calls {@code onLine} with each line's {@code expect} ({@code ok} when it has none) before
     * {@link #run} runs it: the run's recorder writes it into the refusals the line causes.
     */
    public ScenarioRunner onLine(java.util.function.Consumer<String> onLine) {
        this.onLine = onLine;
        return this;
    }

    /** Steps run so far. */
    public int steps() {
        return steps;
    }

    /** Names of the processes, files and VMAs the script made, for the summary. */
    public Map<String, String> names() {
        Map<String, String> out = new java.util.TreeMap<>();
        processes.forEach((n, p) -> out.put(n, "pid " + p.pid()));
        files.forEach((n, f) -> out.put(n, f.id() + " " + f.inode().path()));
        return out;
    }

    /**
     * Runs one step without checking its {@code expect}; returns its outcome ({@code ok}, an errno or
     * signal name, a poll mask). Throws {@link ScenarioException} of kind MALFORMED for a bad line.
     * For generators that learn the outcome and write it into the script.
     */
    public String runUnchecked(Step s) {
        String outcome = execute(s);
        steps++;
        return outcome;
    }

    /** Names of the processes defined so far. */
    public java.util.Set<String> processNames() {
        return java.util.Set.copyOf(processes.keySet());
    }

    /** Names of the open files defined so far. */
    public java.util.Set<String> fileNames() {
        return java.util.Set.copyOf(files.keySet());
    }

    /** Names of the async operations not yet collected with {@code wait}. */
    public java.util.Set<String> pendingTasks() {
        java.util.Set<String> out = new java.util.HashSet<>();
        tasks.forEach((n, f) -> {
            if (!collected.contains(n)) {
                out.add(n);
            }
        });
        return out;
    }

    /** Names of the mappings defined so far, with their length in pages. */
    public Map<String, Long> vmaNames() {
        Map<String, Long> out = new HashMap<>();
        vmas.forEach((n, v) -> out.put(n, v.pages));
        return out;
    }

    /** Runs every step; throws {@link ScenarioException} at the first malformed line or unmet expect. */
    public void run(List<Step> script) {
        for (Step s : script) {
            onLine.accept(s.expect() == null ? "ok" : s.expect());
            String outcome = execute(s);
            steps++;
            check(s, outcome);
        }
        for (Map.Entry<String, CompletableFuture<String>> t : tasks.entrySet()) {
            if (!t.getValue().isDone()) {
                throw new ScenarioException(ScenarioException.Kind.EXPECTATION, "end of script",
                        "async operation '" + t.getKey() + "' is still blocked: add 'wait " + t.getKey() + "'");
            }
        }
    }

    private void check(Step s, String outcome) {
        if (outcome == null) {
            return; // the verb has no outcome to compare (async start)
        }
        String expect = s.expect() == null ? "ok" : s.expect();
        if (!matches(expect, outcome)) {
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s,
                    "expected " + expect + ", got " + outcome);
        }
    }

    private static boolean matches(String expect, String outcome) {
        if (expect.equals(outcome)) {
            return true;
        }
        // Poll masks compare as sets: POLLERR|POLLIN equals POLLIN|POLLERR.
        if (expect.contains("POLL") && outcome.contains("POLL")) {
            try {
                return PollBit.parseMask(expect).equals(PollBit.parseMask(outcome));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }

    private String execute(Step s) {
        if (s.actor() == null) {
            return global(s);
        }
        Process p = process(s, s.actor());
        return switch (s.verb()) {
            case "open" -> open(s, p);
            case "mmap" -> mmap(s, p);
            case "load" -> access(s, p, false);
            case "store" -> access(s, p, true);
            case "read" -> read(s, p);
            case "write" -> write(s, p);
            case "poll" -> poll(s, p);
            case "ioctl" -> outcome(p.ioctl(file(s, s.args().get(0)), ioctlCommand(s), number(s, "arg", 0)));
            case "llseek" -> outcome(p.llseek(file(s, s.args().get(0)), number(s, "offset", 0), (int) number(s, "whence", 0)));
            case "fork" -> fork(s, p);
            case "munmap" -> munmap(s, p);
            case "mremap" -> mremap(s, p);
            case "access" -> remoteAccess(s, p);
            case "close" -> outcome(p.close(file(s, s.args().get(0))));
            case "exit" -> {
                p.exit();
                yield "ok";
            }
            default -> throw malformed(s, "unknown verb '" + s.verb() + "'");
        };
    }

    private String global(Step s) {
        String a0 = s.args().get(0);
        return switch (s.verb()) {
            case "process" -> {
                define(s, processes, a0, world.kernel().newProcess((int) number(s, "uid", 0)));
                yield "ok";
            }
            case "wait" -> waitFor(s, a0);
            default -> world.global(s);
        };
    }

    private String open(Step s, Process p) {
        String mode = s.options().getOrDefault("mode", "rw");
        if (!mode.equals("rw") && !mode.equals("ro")) {
            throw malformed(s, "mode must be rw or ro, got '" + mode + "'");
        }
        Result<OpenFile> r = p.open(s.args().get(0), mode.equals("ro"));
        if (r.isOk()) {
            define(s, files, s.as(), r.value());
        }
        return outcome(r);
    }

    private String mmap(Step s, Process p) {
        OpenFile f = file(s, s.args().get(0));
        long pages = number(s, "pages", 1);
        long offset = number(s, "offset", 0);
        String prot = s.options().getOrDefault("prot", "rw");
        if (!prot.equals("rw") && !prot.equals("ro")) {
            throw malformed(s, "prot must be rw or ro, got '" + prot + "'");
        }
        // The offset is the file's own page offset (vm_pgoff as the syscall passes it): physical for
        // /dev/mem and /proc/bus/pci, BAR-relative for resourceN, the map index for /dev/uioN.
        Result<Vma> r = p.mmap(f, pages, offset, prot.equals("rw"));
        if (r.isOk()) {
            define(s, vmas, s.as(), new VmaName(r.value().start(), r.value().pages()));
        }
        return outcome(r);
    }

    private String access(Step s, Process p, boolean store) {
        long addr = address(s, s.args().get(0));
        MemoryAccess a = store ? p.store(addr, number(s, "value", 0x5EED)) : p.load(addr);
        return a.outcome();
    }

    private long address(Step s, String vmaName) {
        VmaName v = vma(s, vmaName);
        long page = number(s, "page", 0);
        if (page < 0 || page >= v.pages) {
            throw malformed(s, "page " + page + " is outside " + vmaName + " (" + v.pages + " pages)");
        }
        return v.start + page * Kernel.PAGE_SIZE;
    }

    private String read(Step s, Process p) {
        OpenFile f = file(s, s.args().get(0));
        int count = (int) number(s, "count", 4096);
        if (async(s)) {
            start(s, () -> outcome(p.read(f, count)));
            return null;
        }
        return bounded(s, () -> outcome(p.read(f, count)));
    }

    private String write(Step s, Process p) {
        String target = s.args().get(0);
        byte[] data = (s.args().size() > 1 ? s.args().get(1) : "1").getBytes(StandardCharsets.US_ASCII);
        if (target.startsWith("/")) {
            // A write to a path: open, write, close (echo 1 > /sys/.../remove).
            Result<OpenFile> f = p.open(target, false);
            if (!f.isOk()) {
                return outcome(f);
            }
            String out = outcome(p.write(f.value(), data));
            p.close(f.value());
            return out;
        }
        return outcome(p.write(file(s, target), data));
    }

    private String poll(Step s, Process p) {
        OpenFile f = file(s, s.args().get(0));
        boolean wait = Boolean.parseBoolean(s.options().getOrDefault("wait", "false"));
        if (async(s)) {
            start(s, () -> pollOutcome(wait ? p.pollWait(f, Set.of(PollBit.POLLIN, PollBit.POLLPRI)) : p.poll(f)));
            return null;
        }
        return wait ? bounded(s, () -> pollOutcome(p.pollWait(f, Set.of(PollBit.POLLIN, PollBit.POLLPRI))))
                : pollOutcome(p.poll(f));
    }

    /**
     * Runs a step that may sleep (a uio read waits for an interrupt; a poll with wait=true) with a
     * bound: the script is one thread, so a sleep nothing will end would hang the run. Such a line
     * fails naming itself and how to write it instead.
     */
    private static String bounded(Step s, java.util.function.Supplier<String> work) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "scenario " + s.where());
        t.setDaemon(true);
        t.start();
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "still blocked after " + WAIT_SECONDS
                    + " s: nothing in the script can wake it (a uio read waits for an interrupt: write it with"
                    + " async=true as NAME, then interrupt or unregister, then wait NAME)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(s.where() + ": the operation failed", e.getCause());
        }
    }

    private static String pollOutcome(Result<Set<PollBit>> r) {
        return r.isOk() ? PollBit.format(r.value()) : r.errnoOrNull().name();
    }

    private boolean async(Step s) {
        String a = s.options().getOrDefault("async", "false");
        if (!a.equals("true") && !a.equals("false")) {
            throw malformed(s, "async must be true or false, got '" + a + "'");
        }
        if (a.equals("true") && s.as() == null) {
            throw malformed(s, "an async operation needs 'as NAME' so that 'wait NAME' can collect it");
        }
        if (a.equals("true") && s.expect() != null) {
            throw malformed(s, "expect= of an async operation goes on its 'wait' line");
        }
        return a.equals("true");
    }

    private void start(Step s, java.util.function.Supplier<String> work) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "scenario " + s.as());
        t.setDaemon(true);
        define(s, tasks, s.as(), f);
        t.start();
        // Let the operation get as far as it can (block, or finish) before the script goes on.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!f.isDone() && t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private String waitFor(Step s, String name) {
        CompletableFuture<String> f = tasks.get(name);
        if (f == null) {
            throw malformed(s, "no async operation named '" + name + "'");
        }
        collected.add(name);
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s,
                    "'" + name + "' still blocked after " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(s.where() + ": async operation failed", e.getCause());
        }
    }

    private String fork(Step s, Process p) {
        define(s, processes, s.as(), p.fork());
        return "ok";
    }

    private String munmap(Step s, Process p) {
        VmaName v = vma(s, s.args().get(0));
        long offset = number(s, "offset", 0);
        long pages = number(s, "pages", v.pages - offset);
        return outcome(p.munmap(v.start + offset * Kernel.PAGE_SIZE, pages));
    }

    private String mremap(Step s, Process p) {
        VmaName v = vma(s, s.args().get(0));
        Result<Long> r = p.mremap(v.start, v.pages, v.pages, true);
        if (r.isOk()) {
            v.start = r.value();
        }
        return outcome(r);
    }

    private String remoteAccess(Step s, Process tracer) {
        Process target = process(s, s.args().get(0));
        long addr = address(s, s.args().get(1));
        return outcome(tracer.accessRemote(target, addr, 0, false));
    }

    // ---------------------------------------------------------------- helpers

    private static String outcome(Result<?> r) {
        return r.isOk() ? "ok" : r.errnoOrNull().name();
    }

    private <T> void define(Step s, Map<String, T> names, String name, T value) {
        if (processes.containsKey(name) || files.containsKey(name) || vmas.containsKey(name) || tasks.containsKey(name)) {
            throw malformed(s, "the name '" + name + "' is already in use");
        }
        names.put(name, value);
    }

    private Process process(Step s, String name) {
        Process p = processes.get(name);
        if (p == null) {
            throw malformed(s, "no process named '" + name + "' (declare it with 'process " + name + "')");
        }
        return p;
    }

    private OpenFile file(Step s, String name) {
        OpenFile f = files.get(name);
        if (f == null) {
            throw malformed(s, "no open file named '" + name + "'");
        }
        return f;
    }

    private VmaName vma(Step s, String name) {
        VmaName v = vmas.get(name);
        if (v == null) {
            throw malformed(s, "no mapping named '" + name + "'");
        }
        return v;
    }

    /** {@code cmd=}: a number, or a name of the ioctls the simulation knows. */
    private static int ioctlCommand(Step s) {
        String c = s.options().get("cmd");
        if (c == null) {
            throw malformed(s, "ioctl needs cmd=NUMBER or cmd=NAME (" + String.join(", ", IOCTLS.keySet()) + ")");
        }
        Integer named = IOCTLS.get(c);
        return named != null ? named : (int) number(s, "cmd", 0);
    }

    /** {@code PCIIOC_*} from include/uapi/linux/pci.h: 'P' << 24 | 'C' << 16 | 'I' << 8 | n. */
    private static final Map<String, Integer> IOCTLS = Map.of(
            "PCIIOC_CONTROLLER", Pci.PCIIOC_CONTROLLER,
            "PCIIOC_MMAP_IS_IO", Pci.PCIIOC_MMAP_IS_IO,
            "PCIIOC_MMAP_IS_MEM", Pci.PCIIOC_MMAP_IS_MEM,
            "PCIIOC_WRITE_COMBINE", Pci.PCIIOC_WRITE_COMBINE);

    static long number(Step s, String option, long dflt) {
        String v = s.options().get(option);
        if (v == null) {
            return dflt;
        }
        try {
            return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw malformed(s, option + " must be a number, got '" + v + "'");
        }
    }

    static ScenarioException malformed(Step s, String problem) {
        return new ScenarioException(ScenarioException.Kind.MALFORMED, s, problem);
    }

    /** The errno names and signals scripts may expect, for checking {@code expect=} values. */
    public static boolean isKnownOutcome(String v) {
        if (v.equals("ok") || v.equals("SIGBUS") || v.equals("SIGSEGV")) {
            return true;
        }
        try {
            Errno.parse(v);
            return true;
        } catch (IllegalArgumentException e) {
            try {
                PollBit.parseMask(v);
                return true;
            } catch (IllegalArgumentException e2) {
                return false;
            }
        }
    }
}
