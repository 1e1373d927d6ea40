package io.revokefs.bench;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.openjdk.jol.info.GraphLayout;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Target 6: the simulation's memory. Bytes per mapped page and per VMA are measured with JOL's
 * {@link GraphLayout} (the retained object graph, before and after, divided by the count). The fit
 * check builds one million pages mapped through a revocable object, each populated by a real fault,
 * in a child JVM with {@code -Xmx512m}, and reports the heap in use after a full GC.
 */
final class Footprint {
    /** Pages of the dense mapping measured for bytes per page. */
    static final int DENSE_PAGES = 1 << 16;
    /** VMAs measured for bytes per VMA. */
    static final int VMAS = 10_000;
    static final int FIT_PROCESSES = 10;
    static final int FIT_VMAS_PER_PROCESS = 100;
    static final int FIT_PAGES_PER_VMA = 1_000;

    record Result(double bytesPerDensePage, double bytesPerSparsePage, double bytesPerVma, long fitPages,
                  long fitUsedBytes, String fitError) {
        boolean fits() {
            return fitError == null && fitPages == 1_000_000L;
        }
    }

    /** A world with one object, one process and an open file; roots the graph JOL walks. */
    private static final class Scene {
        final World world = new World(FIT_PAGES_PER_VMA);
        final RevocableObject object = world.object("mem0", null, null);
        final Process proc = world.kernel.newProcess(0);
        final OpenFile file = World.open(proc, world.wrappedInode(object));

        long size() {
            return GraphLayout.parseInstance(world.kernel, object, proc, file).totalSize();
        }
    }

    /**
     * Runs both measurements, each in a child JVM: the sizes with JOL's self-attach and the field
     * offset fallback for hidden (lambda) classes enabled, the fit check with {@code -Xmx512m}.
     */
    static Result measure() throws IOException, InterruptedException {
        Child sizes = child("sizes", "-Xmx2g", "-Djdk.attach.allowAttachSelf=true", "-Djol.magicFieldOffset=true",
                "-Djol.tryWithSudo=false");
        Child fit = child("fit", "-Xmx512m");
        if (sizes.values == null) {
            throw new IllegalStateException("footprint measurement failed: " + sizes.error);
        }
        return new Result(sizes.values[0], sizes.values[1], sizes.values[2],
                fit.values == null ? -1 : (long) fit.values[0], fit.values == null ? -1 : (long) fit.values[1], fit.error);
    }

    /** Bytes per dense page, per sparse page and per VMA, measured with JOL. */
    private static double[] sizes() {
        // Dense: one VMA, every page populated. What a page costs is the page table's share.
        Scene dense = new Scene();
        Vma big = World.mmap(dense.proc, dense.file, DENSE_PAGES, 0);
        long before = dense.size();
        dense.world.populate(big);
        double perDensePage = (double) (dense.size() - before) / DENSE_PAGES;

        // VMAs: one page each, unpopulated; then populated, which is the sparse page cost (the
        // simulated address-space layout leaves a hole after each VMA, as large as the VMA).
        Scene sparse = new Scene();
        long empty = sparse.size();
        List<Vma> vmas = new ArrayList<>(VMAS);
        for (int i = 0; i < VMAS; i++) {
            vmas.add(World.mmap(sparse.proc, sparse.file, 1, i % 16));
        }
        long mapped = sparse.size();
        for (Vma v : vmas) {
            sparse.world.populate(v);
        }
        long populated = sparse.size();
        return new double[] {perDensePage, (double) (populated - mapped) / VMAS, (double) (mapped - empty) / VMAS};
    }

    private record Child(double[] values, String error) {
    }

    /** Runs {@link #main} with {@code mode} in a child JVM and parses its "RESULT v..." line. */
    private static Child child(String mode, String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Footprint.class.getName(), mode));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        java.lang.Process child = pb.start();
        double[] values = null;
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    String[] w = line.substring(7).split(" ");
                    values = new double[w.length];
                    for (int i = 0; i < w.length; i++) {
                        values[i] = Double.parseDouble(w[i]);
                    }
                }
            }
        }
        int rc = child.waitFor();
        return rc == 0 && values != null ? new Child(values, null)
                : new Child(null, "child JVM (" + mode + ") exited " + rc + ": " + out.toString().strip());
    }

    /** The child JVMs: {@code sizes} prints "RESULT densePage sparsePage vma"; {@code fit} prints "RESULT pages usedBytes". */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("sizes")) {
            double[] v = sizes();
            System.out.println("RESULT " + v[0] + " " + v[1] + " " + v[2]);
            return;
        }
        fit();
    }

    /** Maps and faults in one million pages, then prints "RESULT pages usedBytes". */
    private static void fit() {
        World world = new World(FIT_PAGES_PER_VMA);
        RevocableObject object = world.object("fit0", null, null);
        Inode inode = world.wrappedInode(object);
        long faulted = 0;
        List<Process> keep = new ArrayList<>();
        for (int p = 0; p < FIT_PROCESSES; p++) {
            Process proc = world.kernel.newProcess(0);
            keep.add(proc);
            OpenFile f = World.open(proc, inode);
            for (int v = 0; v < FIT_VMAS_PER_PROCESS; v++) {
                Vma vma = World.mmap(proc, f, FIT_PAGES_PER_VMA, 0);
                for (long i = 0; i < FIT_PAGES_PER_VMA; i++) {
                    if (!proc.load(vma.start() + i * 4096).isOk()) {
                        throw new IllegalStateException("load failed in " + vma);
                    }
                }
                faulted += proc.mm().populatedPages(vma);
            }
        }
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long used = rt.totalMemory() - rt.freeMemory();
        if (keep.size() != FIT_PROCESSES || object.isRevoked()) {
            throw new IllegalStateException("fit: the world did not survive");
        }
        System.out.println("RESULT " + faulted + " " + used);
    }

    private Footprint() {
    }
}
