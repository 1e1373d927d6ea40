package io.revokefs.bench;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.ErrnoTable;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.history.JsonLines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The events of target 5, recorded from a seeded run of the simulated kernel (revoke-kernel), not
 * written by hand: {@value #DEVICES} devices of {@value #PAGES} MMIO pages, each a revocable object
 * on a {@link BenchDriver}; up to {@value #MAX_PROCESSES} processes open, mmap, load and store (a
 * fault on first touch), munmap part of a VMA, read, fork, close and exit; devices are revoked
 * ({@code hot-unplug}) and come back as a new life of the same id. Every event the kernel records
 * goes, numbered from seq 1, to the sink.
 *
 * <p>The run is exactly {@code n} events long and audits clean: a process holds at most {@value
 * #MAX_FILES} files and {@value #MAX_VMAS} VMAs, so no step records more than {@value #TAIL} events;
 * when fewer than {@value #TAIL} remain, the walk stops and the rest are registrations of further
 * objects (one {@code ObjectRegistered} each), so the log never ends inside a revoke.
 */
final class SimulatedRun {
    static final long SEED = 0x5EED_E7E7L;
    static final int DEVICES = 8;
    static final int PAGES = 16;
    static final int MAX_PROCESSES = 6;
    static final int MAX_FILES = 4;
    static final int MAX_VMAS = 4;
    static final int TAIL = 64;
    private static final long BASE_PFN = 0x200000;

    private SimulatedRun() {
    }

    /** The first {@code n} events of the run, in memory. */
    static List<RecordedEvent> events(int n) {
        List<RecordedEvent> events = new ArrayList<>(n);
        run(n, events::add);
        return events;
    }

    /** Writes the run's {@code n} events to {@code file} as JSON lines ({@link JsonLines}). */
    static void writeJsonLines(long n, Path file) throws IOException {
        try (Writer w = PlainJsonLines.newFile(file)) {
            run(n, e -> {
                try {
                    w.write(JsonLines.toLine(e));
                    w.write('\n');
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }

    /** One device: its driver, its current object (a new one per life) and that life's inode. */
    private static final class Device {
        final int index;
        final String id;
        final BenchDriver driver;
        RevocableObject object;
        Inode inode;

        Device(Kernel kernel, int i) {
            index = i;
            id = "bench:/sys/devices/pci0000:00/0000:00:" + (10 + i) + ".0/resource0";
            driver = new BenchDriver(BASE_PFN + (long) i * PAGES);
            kernel.physicalMemory().addMmio(driver.basePfn(), PAGES, "bench" + i);
            register(kernel);
        }

        void register(Kernel kernel) {
            object = RevocableObject.builder(kernel, id, "bench").operations(driver).errnos(ErrnoTable.KERNFS).register();
            inode = kernel.newInode("/dev/bench" + index, 0600, 0, object.fileOperations(), object.mapping(), null);
        }
    }

    /** Runs the walk until exactly {@code n} events went to {@code sink}. */
    static void run(long n, Consumer<RecordedEvent> sink) {
        long origin = System.nanoTime();
        long[] count = {0};
        Kernel kernel = new Kernel((EventRecorder) event -> {
            long seq = ++count[0];
            if (seq > n) {
                throw new IllegalStateException("the run overshot " + n + " events");
            }
            sink.accept(new RecordedEvent(seq, System.nanoTime() - origin, event));
            return seq;
        });
        Random rnd = new Random(SEED);
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < DEVICES && count[0] < n; i++) {
            devices.add(new Device(kernel, i));
        }
        List<Process> procs = new ArrayList<>();
        while (n - count[0] >= TAIL) {
            procs.removeIf(Process::hasExited);
            if (procs.isEmpty()) {
                procs.add(kernel.newProcess(0));
            }
            step(kernel, rnd, devices.get(rnd.nextInt(devices.size())), procs);
        }
        for (int pad = 0; count[0] < n; pad++) {
            RevocableObject.builder(kernel, "bench:/pad/" + pad, "bench").operations(devices.get(0).driver)
                    .errnos(ErrnoTable.KERNFS).register();
        }
    }

    private static void step(Kernel kernel, Random rnd, Device d, List<Process> procs) {
        Process p = procs.get(rnd.nextInt(procs.size()));
        List<OpenFile> files = p.openFiles();
        List<Vma> vmas = p.mm().vmas();
        switch (rnd.nextInt(16)) {
            case 0, 1, 2 -> {
                if (files.size() < MAX_FILES) {
                    p.open(d.inode, false);
                }
            }
            case 3 -> {
                if (!files.isEmpty()) {
                    p.close(files.get(rnd.nextInt(files.size())));
                }
            }
            case 4, 5 -> {
                if (!files.isEmpty() && vmas.size() < MAX_VMAS) {
                    long pages = 1 + rnd.nextInt(4);
                    p.mmap(files.get(rnd.nextInt(files.size())), pages, rnd.nextInt((int) (PAGES - pages + 1)),
                            rnd.nextBoolean());
                }
            }
            case 6, 7, 8 -> {
                if (!vmas.isEmpty()) {
                    Vma v = vmas.get(rnd.nextInt(vmas.size()));
                    long addr = v.start() + rnd.nextInt((int) v.pages()) * Kernel.PAGE_SIZE;
                    if (rnd.nextBoolean()) {
                        p.load(addr);
                    } else {
                        p.store(addr, rnd.nextLong());
                    }
                }
            }
            case 9 -> {
                if (!vmas.isEmpty()) {
                    Vma v = vmas.get(rnd.nextInt(vmas.size()));
                    long first = rnd.nextInt((int) v.pages());
                    p.munmap(v.start() + first * Kernel.PAGE_SIZE, 1 + rnd.nextInt((int) (v.pages() - first)));
                }
            }
            case 10 -> {
                if (procs.size() < MAX_PROCESSES) {
                    procs.add(p.fork());
                }
            }
            case 11 -> {
                if (rnd.nextBoolean()) {
                    p.exit();
                }
            }
            case 12 -> {
                if (!d.object.isRevoked() && rnd.nextInt(3) == 0) {
                    d.object.revoke("hot-unplug");
                }
            }
            case 13 -> {
                if (d.object.isRevoked()) {
                    d.register(kernel); // the device comes back: a new life of the same id
                }
            }
            default -> {
                if (!files.isEmpty()) {
                    p.read(files.get(rnd.nextInt(files.size())), 4);
                }
            }
        }
    }
}
