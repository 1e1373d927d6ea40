package io.revokefs.history;

import io.revokefs.kernel.PfnMapping;
import io.revokefs.core.ErrnoTable;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random runs of the real simulation: after each, the state replayed from the log equals the state
 * read from the live kernel, and the auditor finds nothing. Seeded; a failure names its seed.
 */
class ReplayEqualsLiveTest {
    private static final int RUNS = 300;
    private static final int STEPS = 80;
    private static final long PAGES = 8;

    /** One device: a driver, its current object (a new one after each re-registration), its inode. */
    private static final class Device {
        final String id;
        final long basePfn;
        TestDriver driver;
        RevocableObject object;
        Inode inode;

        Device(Kernel kernel, String id, long basePfn, boolean eager) {
            this.id = id;
            this.basePfn = basePfn;
            kernel.physicalMemory().addMmio(basePfn, PAGES, id);
            register(kernel, eager);
        }

        void register(Kernel kernel, boolean eager) {
            driver = new TestDriver(basePfn, PAGES);
            driver.setPopulate(eager ? PfnMapping.Populate.AFTER_LINK : PfnMapping.Populate.ON_FAULT);
            object = RevocableObject.builder(kernel, id, "test").operations(driver).errnos(ErrnoTable.KERNFS).register();
            driver.attach(object);
            inode = kernel.newInode("/dev/" + id, 0600, 0, object.fileOperations(), object.mapping(), null);
        }
    }

    @Test
    void replayedStateEqualsLiveStateAfterRandomRuns() {
        for (int run = 0; run < RUNS; run++) {
            long seed = 0x5EED_0000L + run;
            try {
                runOnce(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("run with seed " + seed + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Test
    void aVmaLeftFromAnEarlierLifeAndItsForkedCopyAreNotTheNewLifesToZap() {
        InMemoryEventLog log = new InMemoryEventLog();
        Kernel kernel = new Kernel(log);
        Device d = new Device(kernel, "test:/dev/a", 0x1000, false);
        Process p = kernel.newProcess(0);
        Vma old = p.mmap(p.open(d.inode, false).value(), 2, 0, true).value();
        p.load(old.start());
        d.object.revoke("hot-unplug");
        d.register(kernel, false);                   // the device comes back: life 2, a new mapping
        p.fork();                                    // copies the life-1 VMA
        p.mmap(p.open(d.inode, false).value(), 1, 0, true).value();
        d.object.revoke("hot-unplug");
        List<RecordedEvent> events = log.events();
        assertThat(Auditor.audit(events)).isEmpty();
        assertThat(ReplayState.of(events).registeredOnly().objects()).isEqualTo(LiveState.of(kernel, events.size()).objects());
    }

    @Test
    void anObjectWithTwoRangesRecordsOneZapPerRangeAndAuditsClean() {
        InMemoryEventLog log = new InMemoryEventLog();
        Kernel kernel = new Kernel(log);
        kernel.physicalMemory().addMmio(0x1000, 2, "bar0");
        kernel.physicalMemory().addMmio(0x1008, 2, "bar2");
        TestDriver driver = new TestDriver(0x1000, 10);
        var m = kernel.newAddressSpace("two-bars");
        RevocableObject o = RevocableObject.builder(kernel, "test:/two", "test").operations(driver).errnos(ErrnoTable.KERNFS)
                .mapping(m).zapRanges(() -> List.of(new RevocableObject.ZapRange(m, 0, 2), new RevocableObject.ZapRange(m, 8, 2)))
                .register();
        driver.attach(o);
        Inode inode = kernel.newInode("/two", 0600, 0, o.fileOperations(), m, null);
        Process p = kernel.newProcess(0);
        Vma v = p.mmap(p.open(inode, false).value(), 2, 8, true).value();
        p.load(v.start());
        o.revoke("hot-unplug");
        List<RecordedEvent> events = log.events();
        assertThat(events.stream().filter(e -> e.type().equals("MappingsZapped"))).hasSize(2);
        assertThat(Auditor.audit(events)).isEmpty();
        assertThat(ReplayState.of(events).registeredOnly().objects()).isEqualTo(LiveState.of(kernel, events.size()).objects());
    }

    private static void runOnce(long seed) {
        Random rnd = new Random(seed);
        InMemoryEventLog log = new InMemoryEventLog();
        Kernel kernel = new Kernel(log);
        List<Device> devices = List.of(new Device(kernel, "test:/dev/a", 0x1000, false),
                new Device(kernel, "test:/dev/b", 0x2000, true), new Device(kernel, "test:/dev/c", 0x3000, rnd.nextBoolean()));
        List<Process> procs = new ArrayList<>(List.of(kernel.newProcess(0), kernel.newProcess(0)));
        List<OpenFile> files = new ArrayList<>();
        List<Vma> vmas = new ArrayList<>();

        for (int step = 0; step < STEPS; step++) {
            procs.removeIf(Process::hasExited);
            if (procs.isEmpty()) {
                procs.add(kernel.newProcess(0));
            }
            Process p = procs.get(rnd.nextInt(procs.size()));
            Device d = devices.get(rnd.nextInt(devices.size()));
            List<OpenFile> mine = p.openFiles();
            List<Vma> myVmas = p.mm().vmas();
            switch (rnd.nextInt(14)) {
                case 0, 1 -> p.open(d.inode, false).isOk();
                case 2 -> {
                    if (!mine.isEmpty()) {
                        p.close(mine.get(rnd.nextInt(mine.size())));
                    }
                }
                case 3, 4 -> {
                    if (!mine.isEmpty()) {
                        long pages = 1 + rnd.nextInt(4);
                        p.mmap(mine.get(rnd.nextInt(mine.size())), pages, rnd.nextInt((int) (PAGES - pages + 1)), rnd.nextBoolean());
                    }
                }
                case 5, 6 -> {
                    if (!myVmas.isEmpty()) {
                        Vma v = myVmas.get(rnd.nextInt(myVmas.size()));
                        long addr = v.start() + rnd.nextInt((int) v.pages()) * Kernel.PAGE_SIZE;
                        if (rnd.nextBoolean()) {
                            p.load(addr);
                        } else {
                            p.store(addr, rnd.nextLong());
                        }
                    }
                }
                case 7 -> {
                    if (!myVmas.isEmpty()) {
                        Vma v = myVmas.get(rnd.nextInt(myVmas.size()));
                        long first = rnd.nextInt((int) v.pages());
                        p.munmap(v.start() + first * Kernel.PAGE_SIZE, 1 + rnd.nextInt((int) (v.pages() - first)));
                    }
                }
                case 8 -> {
                    if (!myVmas.isEmpty()) {
                        Vma v = myVmas.get(rnd.nextInt(myVmas.size()));
                        p.mremap(v.start(), v.pages(), v.pages(), true);
                    }
                }
                case 9 -> {
                    if (procs.size() < 5) {
                        procs.add(p.fork());
                    }
                }
                case 10 -> {
                    if (rnd.nextInt(3) == 0) {
                        p.exit();
                    }
                }
                case 11 -> {
                    if (rnd.nextInt(2) == 0) {
                        d.object.revoke("hot-unplug");
                    }
                }
                case 12 -> {
                    if (d.object.isRevoked()) {
                        d.register(kernel, rnd.nextBoolean()); // the device comes back: a new life
                    } else if (rnd.nextBoolean()) {
                        d.driver.setMemoryEnabled(false);
                        d.object.zapMappings();
                    } else {
                        d.driver.setMemoryEnabled(true);
                        d.object.repopulateMappings();
                    }
                }
                default -> {
                    if (!mine.isEmpty()) {
                        p.read(mine.get(rnd.nextInt(mine.size())), 4);
                    }
                }
            }
        }
        List<RecordedEvent> events = log.events();
        ReplayState replayed = ReplayState.of(events).registeredOnly();
        ReplayState live = LiveState.of(kernel, events.size());
        assertThat(replayed.objects()).isEqualTo(live.objects());
        assertThat(Auditor.audit(events)).isEmpty();
    }
}
