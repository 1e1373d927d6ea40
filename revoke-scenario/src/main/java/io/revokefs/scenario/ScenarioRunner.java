package io.revokefs.scenario;

import io.revokefs.core.Errno;
import io.revokefs.core.PollBit;
import io.revokefs.core.Result;
import io.revokefs.core.Signal;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.MemoryAccess;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PendingSignal;
import io.revokefs.core.kernel.Pci;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Rmap;
import io.revokefs.core.kernel.Vma;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs parsed scenario steps on a {@link ScenarioWorld}. Each step's outcome ({@code ok}, an errno
 * name, a signal name, or a poll mask) is compared with its {@code expect} alternatives (default
 * {@code ok}); the first mismatch stops the run with a {@link ScenarioException} of kind EXPECTATION
 * naming the line. The lines of a {@code together} block run each on its own thread, then each is
 * checked, in line order.
 *
 * <p>The runner's names are safe to use from several threads: the lines of a block, or the threads
 * of a schedule explorer running them one at a time ({@link #runLine}).
 */
public final class ScenarioRunner {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ScenarioRunner.class);
    /** How long {@code wait} (and a {@code together} block) waits for an operation before calling the script stuck. */
    private static final long WAIT_SECONDS = 10;

    private static final long TASK_SIZE = Kernel.TASK_SIZE;
    /** Pages below {@link Kernel#TASK_SIZE}: no page number or offset of a script goes past it. */
    public static final long TASK_PAGES = TASK_SIZE / Kernel.PAGE_SIZE;
    /** The largest valid uid: {@code (uid_t) -1} is INVALID_UID ({@code uid_valid}). */
    public static final long UID_MAX = 0xFFFF_FFFEL;
    /** {@code MAX_RW_COUNT} (include/linux/fs.h): vfs_read clamps a larger count to it. */
    public static final int MAX_RW_COUNT = Integer.MAX_VALUE & (int) -Kernel.PAGE_SIZE;

    private final ScenarioWorld world;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, OpenFile> files = new ConcurrentHashMap<>();
    private final Map<String, VmaName> vmas = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> tasks = new ConcurrentHashMap<>();
    private final Set<String> collected = ConcurrentHashMap.newKeySet();
    private final Object names = new Object();
    private int steps;
    private Scenario scenario;
    private volatile java.util.function.Consumer<String> onLine = expect -> { };

    /** What a VMA name names: the range it was mapped at (it follows an mremap). */
    private static final class VmaName {
        volatile long start;
        final long pages;

        VmaName(long start, long pages) {
            this.start = start;
            this.pages = pages;
        }
    }

    public ScenarioRunner(ScenarioWorld world) {
        this.world = world;
    }

    public ScenarioWorld world() {
        return world;
    }

    /**
     * Calls {@code onLine} with each line's {@code expect} as written ({@code ok} when it has none),
     * on the thread that runs the line, just before it runs: the run's recorder writes it into the
     * refusals the line causes.
     */
    public ScenarioRunner onLine(java.util.function.Consumer<String> onLine) {
        this.onLine = onLine;
        return this;
    }

    /** Steps run so far. */
    public synchronized int steps() {
        return steps;
    }

    /** Names of the processes, files and VMAs the script made, for the summary. */
    public Map<String, String> names() {
        Map<String, String> out = new TreeMap<>();
        processes.forEach((n, p) -> out.put(n, "pid " + p.pid()));
        files.forEach((n, f) -> out.put(n, f.id() + " " + f.inode().path()));
        return out;
    }

    /**
     * Runs the one step of {@code line} (a scenario parsed from one line) without checking its
     * {@code expect}; returns its outcome ({@code ok}, an errno or signal name, a poll mask; null for
     * an async start). Throws {@link ScenarioException} of kind MALFORMED for a bad line. For
     * generators that learn the outcome and write it into the script.
     */
    public String runUnchecked(Scenario line) {
        if (line.steps().size() != 1) {
            throw new IllegalArgumentException("one line at a time, got " + line.steps().size());
        }
        Step s = line.steps().get(0);
        String outcome = execute(s, line.action(s));
        count();
        return outcome;
    }

    /** Names of the processes defined so far. */
    public Set<String> processNames() {
        return Set.copyOf(processes.keySet());
    }

    /** Names of the open files defined so far. */
    public Set<String> fileNames() {
        return Set.copyOf(files.keySet());
    }

    /** Names of the async operations not yet collected with {@code wait}. */
    public Set<String> pendingTasks() {
        Set<String> out = new HashSet<>();
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

    /**
     * Runs every step; throws {@link ScenarioException} at the first malformed line or unmet expect.
     * The lines of a {@code together} block run on threads of their own, once.
     */
    public void run(Scenario script) {
        for (List<Step> phase : script.phases()) {
            if (phase.get(0).block() == 0) {
                runLine(script, phase.get(0));
            } else {
                runTogether(script, phase);
            }
        }
        for (Map.Entry<String, CompletableFuture<String>> t : tasks.entrySet()) {
            if (!t.getValue().isDone()) {
                throw new ScenarioException(ScenarioException.Kind.EXPECTATION, "end of script",
                        "async operation '" + t.getKey() + "' is still blocked: add 'wait " + t.getKey() + "'");
            }
        }
    }

    /**
     * Runs one step of {@code script} on the calling thread and checks its {@code expect}: the way a
     * schedule explorer runs the lines of a block, each on its own controlled thread.
     */
    public void runLine(Scenario script, Step s) {
        onLine.accept(s.expect() == null ? "ok" : s.expect());
        String outcome = execute(s, script.action(s));
        count();
        check(s, outcome);
    }

    /**
     * {@link #runLine} on a thread that runs this one line (a line of a block, under a schedule
     * explorer): a line that sleeps sleeps here until another line wakes it, with no bound.
     */
    public void runLineOnOwnThread(Scenario script, Step s) {
        OWN_THREAD.set(Boolean.TRUE);
        try {
            runLine(script, s);
        } finally {
            OWN_THREAD.remove();
        }
    }

    /** Set on a thread that runs one line of a block: its sleeps need no bound. */
    private static final ThreadLocal<Boolean> OWN_THREAD = new ThreadLocal<>();

    private synchronized void count() {
        steps++;
    }

    /** The lines of a block, each on its own thread, started together; then each line's expect, in order. */
    private void runTogether(Scenario script, List<Step> block) {
        List<CompletableFuture<String>> results = new ArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (Step s : block) {
            CompletableFuture<String> f = new CompletableFuture<>();
            results.add(f);
            Thread t = daemon("together " + s.where(), () -> {
                OWN_THREAD.set(Boolean.TRUE);
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                onLine.accept(s.expect() == null ? "ok" : s.expect());
                return execute(s, script.action(s));
            }, f);
            t.start();
        }
        go.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        for (int i = 0; i < block.size(); i++) {
            Step s = block.get(i);
            String outcome;
            try {
                outcome = results.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "still blocked after " + WAIT_SECONDS
                        + " s: nothing in the block can wake it");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ScenarioException se) {
                    throw se;
                }
                throw new IllegalStateException(s.where() + ": the operation failed", e.getCause());
            }
            count();
            check(s, outcome);
        }
    }

    private void check(Step s, String outcome) {
        if (outcome == null) {
            return; // the verb has no outcome to compare (async start)
        }
        for (String expect : s.expectations()) {
            if (matches(expect, outcome)) {
                return;
            }
        }
        String who = whomapsDetail.remove(s);
        throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s,
                "expected " + String.join(" or ", s.expectations()) + ", got " + outcome + (who == null ? "" : ": " + who));
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

    // ---------------------------------------------------------------- checks before anything runs

    /**
     * Checks a line of the language's own verbs before anything runs: every option's value and range,
     * and every name it uses against {@code scope} (then defines the names it makes). The same
     * parsing runs again when the line runs, so what passes here is what runs.
     */
    static void check(Step s, Scope scope) {
        if (s.actor() == null) {
            switch (s.verb()) {
                case "process" -> {
                    uid(s);
                    scope.define(Scope.PROCESS, s.args().get(0), s);
                }
                case "wait" -> scope.require(Scope.TASK, s.args().get(0), s, "start one with async=true as NAME");
                case "whomaps" -> whomapsRange(s);
                default -> throw malformed(s, "unknown verb '" + s.verb() + "'");
            }
            return;
        }
        scope.require(Scope.PROCESS, s.actor(), s, "declare it with 'process " + s.actor() + "'");
        switch (s.verb()) {
            case "open" -> {
                readOnly(s, "mode");
                defineIfMade(s, scope, Scope.FILE);
            }
            case "mmap" -> {
                scope.require(Scope.FILE, s.args().get(0), s, null);
                mmapPages(s);
                mmapOffset(s);
                mmapRegion(s);
                readOnly(s, "prot");
                defineIfMade(s, scope, Scope.MAPPING);
            }
            case "load" -> {
                scope.require(Scope.MAPPING, s.args().get(0), s, null);
                page(s);
            }
            case "store" -> {
                scope.require(Scope.MAPPING, s.args().get(0), s, null);
                page(s);
                Numbers.option(s, "value", 0, Long.MIN_VALUE, Long.MAX_VALUE);
            }
            case "read", "poll" -> {
                scope.require(Scope.FILE, s.args().get(0), s, null);
                if (s.verb().equals("read")) {
                    count(s);
                } else {
                    bool(s, "wait");
                }
                if (async(s)) {
                    if (s.block() != 0) {
                        throw malformed(s, "async=true inside a together block: the line already runs on its own thread");
                    }
                    scope.define(Scope.TASK, s.as(), s);
                } else if (s.as() != null) {
                    throw malformed(s, "'as NAME' names an async operation: add async=true");
                }
            }
            case "write" -> {
                if (!s.args().get(0).startsWith("/")) {
                    scope.require(Scope.FILE, s.args().get(0), s, null);
                }
            }
            case "memory" -> {
                scope.require(Scope.FILE, s.args().get(0), s, null);
                memoryOn(s);
            }
            case "ioctl" -> {
                scope.require(Scope.FILE, s.args().get(0), s, null);
                ioctlCommand(s);
                Numbers.option(s, "arg", 0, Long.MIN_VALUE, Long.MAX_VALUE);
            }
            case "llseek" -> {
                scope.require(Scope.FILE, s.args().get(0), s, null);
                Numbers.option(s, "offset", 0, Long.MIN_VALUE, Long.MAX_VALUE);
                whence(s);
            }
            case "fork" -> defineIfMade(s, scope, Scope.PROCESS);
            case "munmap" -> {
                scope.require(Scope.MAPPING, s.args().get(0), s, null);
                Numbers.option(s, "offset", 0, 0, TASK_PAGES);
                Numbers.option(s, "pages", 1, 0, TASK_PAGES);
            }
            case "mremap" -> scope.require(Scope.MAPPING, s.args().get(0), s, null);
            case "access" -> {
                scope.require(Scope.PROCESS, s.args().get(0), s, null);
                scope.require(Scope.MAPPING, s.args().get(1), s, null);
                page(s);
            }
            case "close" -> scope.require(Scope.FILE, s.args().get(0), s, null);
            case "fasync" -> {
                scope.require(Scope.FILE, s.args().get(0), s, null);
                onOff(s);
            }
            case "signals", "exit" -> {
            }
            default -> throw malformed(s, "unknown verb '" + s.verb() + "'");
        }
    }

    /**
     * The physical pages a script names: 4 KiB pages of a 64-bit physical address space,
     * {@code [0, 2^52)}.
     */
    public static final long PFN_LIMIT = 1L << 52;

    /**
     * {@code whomaps PFN [pages=N] expect=COUNT}: the range {@code {first, pages}}, checked; the
     * expectation is required (the count is the point of the line).
     */
    private static long[] whomapsRange(Step s) {
        long first = Numbers.parse(s, "PFN", s.args().get(0), 0, PFN_LIMIT - 1);
        long pages = Numbers.option(s, "pages", 1, 1, PFN_LIMIT - first);
        if (s.expect() == null) {
            throw malformed(s, "whomaps needs expect=COUNT: the number of mappings with a PTE present (expect=0 after a revoke)");
        }
        return new long[] {first, pages};
    }

    /**
     * Runs {@code whomaps}: asks the kernel's rmap ({@link Rmap}) who maps the range; the outcome is the
     * number of VMAs with a PTE to it present. The VMAs found are logged, and named in the message of
     * an unmet expectation.
     */
    private String whomaps(Step s) {
        long[] r = whomapsRange(s);
        List<Rmap.Hit> hits = Rmap.whoMaps(world.kernel(), r[0], r[1]);
        String count = Integer.toString(Rmap.presentCount(hits));
        String who = describe(hits);
        log.info("{}: whomaps 0x{} pages={}: {} with a PTE present; {}", s.where(), Long.toHexString(r[0]), r[1], count, who);
        if (!s.expectations().contains(count)) {
            whomapsDetail.put(s, who);
        }
        return count;
    }

    /** The VMAs of a {@link Rmap#whoMaps} answer, one phrase each. */
    static String describe(List<Rmap.Hit> hits) {
        if (hits.isEmpty()) {
            return "no mapping reaches it";
        }
        StringBuilder sb = new StringBuilder();
        for (Rmap.Hit h : hits) {
            sb.append(sb.length() == 0 ? "" : "; ").append("pid ").append(h.pid()).append(' ').append(h.vma())
                    .append(" via ").append(h.path()).append(" (").append(h.object() == null ? "no object" : h.object())
                    .append(", mapping ").append(h.mapping()).append(") ").append(h.present()).append(" of ")
                    .append(h.pages()).append(h.pages() == 1 ? " page" : " pages").append(" present");
        }
        return sb.toString();
    }

    /** Who a whomaps line found when its count was not the expected one, for the message. */
    private final Map<Step, String> whomapsDetail = new ConcurrentHashMap<>();

    /** Whether {@code v} is a count for {@code whomaps}'s {@code expect}: decimal digits, no sign, at most 9. */
    public static boolean isCount(String v) {
        return v.matches("0|[1-9][0-9]{0,8}");
    }

    private static void defineIfMade(Step s, Scope scope, String kind) {
        if (s.as() != null) {
            scope.define(kind, s.as(), s);
        }
    }

    private static int uid(Step s) {
        // uid_t is 32 bits; the simulation keeps its bits in an int (only 0 is root).
        return (int) Numbers.option(s, "uid", 0, 0, UID_MAX);
    }

    private static boolean readOnly(Step s, String option) {
        String v = s.options().getOrDefault(option, "rw");
        if (!v.equals("rw") && !v.equals("ro")) {
            throw malformed(s, option + " must be rw or ro, got '" + v + "'");
        }
        return v.equals("ro");
    }

    private static boolean bool(Step s, String option) {
        String a = s.options().getOrDefault(option, "false");
        if (!a.equals("true") && !a.equals("false")) {
            throw malformed(s, option + " must be true or false, got '" + a + "'");
        }
        return a.equals("true");
    }

    /**
     * mmap's length in pages: any length a {@code size_t} holds (below 2^64 bytes); mmap answers
     * ENOMEM past {@link Kernel#TASK_SIZE}.
     */
    private static long mmapPages(Step s) {
        return Numbers.option(s, "pages", 1, 0, (1L << (64 - 12)) - 1);
    }

    /**
     * vfio-pci's file offset layout (docs/semantics.md section 10): the region index is above the low 40
     * bits of the byte offset ({@code VFIO_PCI_OFFSET_SHIFT}), so above the low 28 bits of
     * {@code vm_pgoff}; config space is region 7 ({@code VFIO_PCI_CONFIG_REGION_INDEX}) and the command
     * register is at offset 4 ({@code PCI_COMMAND}), its memory-space enable bit 0x2.
     */
    private static final int VFIO_PGOFF_SHIFT = 40 - 12;
    private static final long VFIO_PCI_COMMAND_OFFSET = (7L << 40) + 4;
    private static final int PCI_COMMAND_MEMORY = 0x2;

    /** mmap's {@code region=}: a vfio region index ({@code VFIO_PCI_NUM_REGIONS} is 9); 0 without it. */
    private static long mmapRegion(Step s) {
        long region = Numbers.option(s, "region", 0, 0, 8);
        if (s.options().containsKey("region") && mmapOffset(s) >= 1L << VFIO_PGOFF_SHIFT) {
            throw malformed(s, "offset " + mmapOffset(s) + " is past the end of a vfio region (2^28 pages)");
        }
        return region;
    }

    /** {@code memory F off|on}: whether the line sets PCI_COMMAND's memory bit. */
    private static boolean memoryOn(Step s) {
        String v = s.args().get(1);
        if (!v.equals("on") && !v.equals("off")) {
            throw malformed(s, "memory takes off or on, not '" + v + "'");
        }
        return v.equals("on");
    }

    /**
     * {@code memory F off|on}: a config-space write of PCI_COMMAND through a vfio device file
     * ({@code pwrite} of two bytes at {@code VFIO_PCI_INDEX_TO_OFFSET(7) + PCI_COMMAND}; the file
     * position is left as it was).
     */
    private String memory(Step s, Process p) {
        OpenFile f = file(s, s.args().get(0));
        int cmd = memoryOn(s) ? PCI_COMMAND_MEMORY : 0;
        long pos = f.position();
        f.setPosition(VFIO_PCI_COMMAND_OFFSET);
        try {
            return outcome(p.write(f, new byte[] {(byte) cmd, (byte) (cmd >> 8)}));
        } finally {
            f.setPosition(pos);
        }
    }

    /** mmap's offset in pages: an {@code off_t} of bytes, so below 2^63 bytes. */
    private static long mmapOffset(Step s) {
        return Numbers.option(s, "offset", 0, 0, Long.MAX_VALUE / Kernel.PAGE_SIZE);
    }

    private static long page(Step s) {
        return Numbers.option(s, "page", 0, 0, TASK_PAGES);
    }

    /**
     * read's count: a {@code size_t}, clamped to {@link #MAX_RW_COUNT} as vfs_read does. {@code wait=true}
     * (docs/semantics.md section 11) is the device's waiting read: 4 bytes, the event count that uio_read and
     * the cdev adapter's read wait for; it cannot be combined with {@code count=}.
     */
    private static int count(Step s) {
        if (bool(s, "wait")) {
            if (s.options().containsKey("count")) {
                throw malformed(s, "read takes wait=true or count=N, not both (wait=true is the 4-byte waiting read)");
            }
            return WAITING_READ_BYTES;
        }
        return (int) Math.min(MAX_RW_COUNT, Numbers.option(s, "count", 4096, 0, Long.MAX_VALUE));
    }

    /** The byte count of a read that waits for the next event (uio_read's {@code s32} event count). */
    private static final int WAITING_READ_BYTES = 4;

    private static int whence(Step s) {
        return (int) Numbers.option(s, "whence", 0, 0, Integer.MAX_VALUE);
    }

    // ---------------------------------------------------------------- running

    private String execute(Step s, GlobalVerb.Action action) {
        if (action != null) {
            return action.run(world);
        }
        if (s.actor() == null) {
            return switch (s.verb()) {
                case "process" -> {
                    define(s, processes, s.args().get(0), world.kernel().newProcess(uid(s)));
                    yield "ok";
                }
                case "wait" -> waitFor(s, s.args().get(0));
                case "whomaps" -> whomaps(s);
                default -> throw malformed(s, "'" + s.verb() + "' is not available in this build");
            };
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
            case "memory" -> memory(s, p);
            case "ioctl" -> outcome(p.ioctl(file(s, s.args().get(0)), ioctlCommand(s), Numbers.option(s, "arg", 0, Long.MIN_VALUE, Long.MAX_VALUE)));
            case "llseek" -> outcome(p.llseek(file(s, s.args().get(0)), Numbers.option(s, "offset", 0, Long.MIN_VALUE, Long.MAX_VALUE), whence(s)));
            case "fork" -> fork(s, p);
            case "munmap" -> munmap(s, p);
            case "mremap" -> mremap(s, p);
            case "access" -> remoteAccess(s, p);
            case "close" -> outcome(p.close(file(s, s.args().get(0))));
            case "fasync" -> outcome(p.fasync(file(s, s.args().get(0)), onOff(s)));
            case "signals" -> signals(p);
            case "exit" -> {
                p.exit();
                yield "ok";
            }
            default -> throw malformed(s, "unknown verb '" + s.verb() + "'");
        };
    }

    private String open(Step s, Process p) {
        Result<OpenFile> r = p.open(s.args().get(0), readOnly(s, "mode"));
        if (r.isOk() && s.as() != null) {
            define(s, files, s.as(), r.value());
        }
        return outcome(r);
    }

    private String mmap(Step s, Process p) {
        OpenFile f = file(s, s.args().get(0));
        long pages = mmapPages(s);
        long offset = mmapOffset(s);
        if (s.options().containsKey("region")) {
            offset += mmapRegion(s) << VFIO_PGOFF_SHIFT;
        }
        boolean ro = readOnly(s, "prot");
        // The offset is the file's own page offset (vm_pgoff as the syscall passes it): physical for
        // /dev/mem and /proc/bus/pci, BAR-relative for resourceN, the map index for /dev/uioN.
        Result<Vma> r = p.mmap(f, pages, offset, !ro);
        if (r.isOk() && s.as() != null) {
            define(s, vmas, s.as(), new VmaName(r.value().start(), r.value().pages()));
        }
        return outcome(r);
    }

    private String access(Step s, Process p, boolean store) {
        long addr = address(s, s.args().get(0));
        MemoryAccess a = store ? p.store(addr, Numbers.option(s, "value", 0x5EED, Long.MIN_VALUE, Long.MAX_VALUE)) : p.load(addr);
        return a.outcome();
    }

    private long address(Step s, String vmaName) {
        VmaName v = vma(s, vmaName);
        long page = page(s);
        if (page >= v.pages) {
            throw malformed(s, "page " + page + " is outside " + vmaName + " (" + v.pages + " pages)");
        }
        return v.start + page * Kernel.PAGE_SIZE;
    }

    private String read(Step s, Process p) {
        OpenFile f = file(s, s.args().get(0));
        int count = count(s);
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
        boolean wait = bool(s, "wait");
        if (async(s)) {
            start(s, () -> pollOutcome(wait ? p.pollWait(f, Set.of(PollBit.POLLIN, PollBit.POLLPRI)) : p.poll(f)));
            return null;
        }
        return wait ? bounded(s, () -> pollOutcome(p.pollWait(f, Set.of(PollBit.POLLIN, PollBit.POLLPRI))))
                : pollOutcome(p.poll(f));
    }

    /**
     * Runs a step that may sleep (a uio read waits for an interrupt; a poll with wait=true) with a
     * bound: outside a block the script is one thread, so a sleep nothing will end would hang the run.
     * Such a line fails naming itself and how to write it instead. A line of a block runs on its
     * own thread already ({@link #runLineOnOwnThread}), and sleeps there.
     */
    private static String bounded(Step s, Supplier<String> work) {
        if (OWN_THREAD.get() != null) {
            return work.get();
        }
        CompletableFuture<String> f = new CompletableFuture<>();
        daemon("scenario " + s.where(), work, f).start();
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "still blocked after " + WAIT_SECONDS
                    + " s: nothing in the script can wake it (a uio read waits for an interrupt: write it with"
                    + " async=true as NAME, then interrupt or unregister, then wait NAME; or put it in a together block)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioException(ScenarioException.Kind.EXPECTATION, s, "interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(s.where() + ": the operation failed", e.getCause());
        }
    }

    /** A daemon thread (not started) that completes {@code f} with what {@code work} returns or throws. */
    private static Thread daemon(String name, Supplier<String> work, CompletableFuture<String> f) {
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private static String pollOutcome(Result<Set<PollBit>> r) {
        return r.isOk() ? PollBit.format(r.value()) : r.errnoOrNull().name();
    }

    private static boolean async(Step s) {
        boolean a = bool(s, "async");
        if (a && s.as() == null) {
            throw malformed(s, "an async operation needs 'as NAME' so that 'wait NAME' can collect it");
        }
        if (a && s.expect() != null) {
            throw malformed(s, "expect= of an async operation goes on its 'wait' line");
        }
        return a;
    }

    private void start(Step s, Supplier<String> work) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = daemon("scenario " + s.as(), work, f);
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
        Process child = p.fork();
        if (s.as() != null) {
            define(s, processes, s.as(), child);
        }
        return "ok";
    }

    private String munmap(Step s, Process p) {
        VmaName v = vma(s, s.args().get(0));
        long offset = Numbers.option(s, "offset", 0, 0, TASK_PAGES);
        long pages = Numbers.option(s, "pages", Math.max(0, v.pages - offset), 0, TASK_PAGES);
        long addr = v.start + offset * Kernel.PAGE_SIZE;
        if (addr > TASK_SIZE || pages * Kernel.PAGE_SIZE > TASK_SIZE - addr) {
            return Errno.EINVAL.name(); // do_vmi_munmap: start > TASK_SIZE || len > TASK_SIZE - start
        }
        return outcome(p.munmap(addr, pages));
    }

    private String mremap(Step s, Process p) {
        VmaName v = vma(s, s.args().get(0));
        Result<Long> r = p.mremap(v.start, v.pages, v.pages, true);
        if (r.isOk()) {
            v.start = r.value();
        }
        return outcome(r);
    }

    /**
     * {@code PTRACE_PEEKDATA} of the target's mapping: the outcome is the system call's (EIO when the
     * vm {@code ->access} op failed, {@code generic_ptrace_peekdata}); the log's {@code AccessRefused}
     * keeps the op's own result (EINVAL, {@code kernfs_vma_access}).
     */
    private String remoteAccess(Step s, Process tracer) {
        Process target = process(s, s.args().get(0));
        long addr = address(s, s.args().get(1));
        return outcome(tracer.ptracePeek(target, addr));
    }

    // ---------------------------------------------------------------- helpers

    private static String outcome(Result<?> r) {
        return r.isOk() ? "ok" : r.errnoOrNull().name();
    }

    private <T> void define(Step s, Map<String, T> table, String name, T value) {
        synchronized (names) {
            if (processes.containsKey(name) || files.containsKey(name) || vmas.containsKey(name) || tasks.containsKey(name)) {
                throw malformed(s, "the name '" + name + "' is already in use");
            }
            table.put(name, value);
        }
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
            throw malformed(s, "no open file named '" + name + "' (the line that opens it failed)");
        }
        return f;
    }

    private VmaName vma(Step s, String name) {
        VmaName v = vmas.get(name);
        if (v == null) {
            throw malformed(s, "no mapping named '" + name + "' (the line that maps it failed)");
        }
        return v;
    }

    /** {@code cmd=}: a number (an unsigned int, as ioctl(2) takes it), or a name of the ioctls the simulation knows. */
    private static int ioctlCommand(Step s) {
        String c = s.options().get("cmd");
        if (c == null) {
            throw malformed(s, "ioctl needs cmd=NUMBER or cmd=NAME (" + String.join(", ", IOCTLS.keySet()) + ")");
        }
        Integer named = IOCTLS.get(c);
        return named != null ? named : (int) Numbers.parse(s, "cmd", c, 0, 0xFFFF_FFFFL);
    }

    /** The {@code PCIIOC_*} names ({@link Pci}, from include/uapi/linux/pci.h) and vfio's device ioctls. */
    private static final Map<String, Integer> IOCTLS = new java.util.TreeMap<>(Map.of(
            "PCIIOC_CONTROLLER", Pci.PCIIOC_CONTROLLER,
            "PCIIOC_MMAP_IS_IO", Pci.PCIIOC_MMAP_IS_IO,
            "PCIIOC_MMAP_IS_MEM", Pci.PCIIOC_MMAP_IS_MEM,
            "PCIIOC_WRITE_COMBINE", Pci.PCIIOC_WRITE_COMBINE,
            // vfio (include/uapi/linux/vfio.h): _IO(VFIO_TYPE, VFIO_BASE + 7) and + 11.
            "VFIO_DEVICE_GET_INFO", (';' << 8) | (100 + 7),
            "VFIO_DEVICE_RESET", (';' << 8) | (100 + 11)));

    /** A malformed-line exception for {@code s}. */
    public static ScenarioException malformed(Step s, String problem) {
        return new ScenarioException(ScenarioException.Kind.MALFORMED, s, problem);
    }

    /** {@code fasync F on|off}: {@code fcntl(F_SETOWN)} and O_ASYNC set or cleared. */
    private static boolean onOff(Step s) {
        String v = s.args().get(1);
        if (!v.equals("on") && !v.equals("off")) {
            throw malformed(s, "fasync is on or off, got '" + v + "'");
        }
        return v.equals("on");
    }

    /** {@code signals}: the process's pending signals by name ({@code SIGIO}), or {@code none}. */
    private static String signals(Process p) {
        List<String> names = new ArrayList<>();
        for (PendingSignal ps : p.pendingSignals()) {
            if (!names.contains(ps.signal().name())) {
                names.add(ps.signal().name());
            }
        }
        return names.isEmpty() ? "none" : String.join("+", names);
    }

    /** The errno names and signals scripts may expect, for checking {@code expect=} values. */
    public static boolean isKnownOutcome(String v) {
        if (v.equals("ok") || v.equals("none")) {
            return true;
        }
        try {
            Signal.valueOf(v);
            return true;
        } catch (IllegalArgumentException e) {
            // not a signal
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
