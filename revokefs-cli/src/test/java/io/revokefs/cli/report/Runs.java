package io.revokefs.cli.report;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;

import io.revokefs.cli.Main;
import io.revokefs.history.JsonLines;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Event logs for the report's tests: real runs of the simulation, and synthetic large ones. */
final class Runs {
    /** An object id with every character markup cares about. */
    static final String ODD_OBJECT = "test:/dev/<odd&\"name'>";

    private Runs() {
    }

    /**
     * A run of {@link Sim}'s device through a whole life: open, mmap, faults, a read, a fork, a
     * revoke (hot-unplug), then refused reads, faults and opens, and the close. A second object,
     * {@link #ODD_OBJECT}, is opened, faulted and revoked too, and the device's region is revoked
     * through the shared iomem mapping.
     */
    static List<RecordedEvent> simulatedRun() {
        Sim sim = new Sim();
        Process p = sim.root();
        OpenFile f = sim.open(p);
        Vma v = sim.mmap(p, f, 4, 0);
        for (int i = 0; i < 3; i++) {
            assertThat(p.load(Sim.page(v, i)).isOk()).isTrue();
        }
        assertThat(p.read(f, 4).isOk()).isTrue();
        Process child = p.fork();

        TestDriver oddDriver = new TestDriver(Sim.BASE_PFN + 0x100, 4);
        sim.kernel().physicalMemory().addMmio(Sim.BASE_PFN + 0x100, 4, "odd");
        RevocableObject odd = RevocableObject.builder(sim.kernel(), ODD_OBJECT, "test").operations(oddDriver)
                .errnos(ErrnoTable.KERNFS).register();
        oddDriver.attach(odd);
        Inode oddInode = sim.kernel().newInode("/dev/odd", 0600, 0, odd.fileOperations(), odd.mapping(), null);
        OpenFile g = p.open(oddInode, false).value();
        Vma w = sim.mmap(p, g, 1, 0);
        assertThat(p.load(Sim.page(w, 0)).isOk()).isTrue();

        sim.object().revoke("hot-unplug");

        assertThat(p.read(f, 4).isOk()).isFalse();
        assertThat(p.load(Sim.page(v, 3)).isOk()).isFalse();
        assertThat(child.load(Sim.page(v, 0)).isOk()).isFalse();
        assertThat(p.open(sim.inode(), false).isOk()).isFalse();
        p.close(f);
        p.munmap(v.start(), 4);
        child.exit();

        odd.revoke("driver-claim");
        assertThat(p.read(g, 1).isOk()).isFalse();
        p.close(g);
        sim.kernel().revokeIomem(sim.kernel().iomem().insert("test0", Sim.BASE_PFN, Sim.PAGES));
        return sim.log().events();
    }

    /** The PCI device whose BAR0 three processes map through sysfs, /proc/bus/pci and /dev/mem, then removed. */
    static final Path PCI_THREE_VIEWS = Path.of("..", "examples", "pci-three-views.scenario");

    /**
     * The log of {@code revokefs run SCRIPT}: the command run in-process as a user runs it, so the
     * refusals carry their lines' expectations. Every {@code expect} of the script must hold.
     */
    static List<RecordedEvent> scenario(Path script) {
        try {
            Path dir = Files.createTempDirectory("revokefs-report-run-");
            try {
                Path log = dir.resolve("run.jsonl");
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = Main.run(new PrintWriter(out), new PrintWriter(err), "run", script.toString(), "--store",
                        dir.resolve("store").toString(), "--log", log.toString());
                assertThat(code).as("revokefs run %s: %s%s", script, out, err).isZero();
                return JsonLines.readAll(log);
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + script, e);
        }
    }

    /** The events of {@code object} in {@code events}. */
    static List<RecordedEvent> of(List<RecordedEvent> events, String object) {
        return events.stream().filter(e -> e.object().equals(object)).toList();
    }

    /**
     * A synthetic log of {@code n} events spread over {@code objects} objects, 1 µs apart: each object
     * registers, opens and maps a few times, faults a lot, is refused now and then, and the last
     * twelve events of each are a full revoke and refusals after it.
     */
    static List<RecordedEvent> largeLog(int n, int objects) {
        List<RecordedEvent> out = new ArrayList<>(n);
        int perObject = n / objects;
        for (int o = 0; o < objects; o++) {
            String object = "sysfs:/devices/pci0000:00/0000:00:" + o + ".0/resource0";
            List<RevokeEvent> life = new ArrayList<>(perObject);
            life.add(new RevokeEvent.ObjectRegistered(object, "sysfs"));
            int body = perObject - 1 - 12;
            int files = 0;
            for (int i = 0; i < body; i++) {
                if (i % 500 == 0) {
                    files++;
                    life.add(new RevokeEvent.FileOpened(object, "file-" + o + "-" + files, 100 + files));
                } else if (i % 500 == 1) {
                    life.add(new RevokeEvent.Mmapped(object, "file-" + o + "-" + files, "vma-" + o + "-" + files, 100 + files, 0, 16,
                            "mapping-" + o, 0));
                } else if (i % 997 == 3) {
                    life.add(new RevokeEvent.AccessRefused(object, "ioctl", "ENOTTY", "file-" + o + "-" + files, null));
                } else {
                    life.add(new RevokeEvent.Faulted(object, "vma-" + o + "-" + files, i % 16));
                }
            }
            life.add(new RevokeEvent.RevokeStarted(object, "hot-unplug"));
            life.add(new RevokeEvent.RevokeDrained(object, 2));
            life.add(new RevokeEvent.MappingsZapped(object, files, files * 16L, "mapping-" + o, 0, Long.MAX_VALUE));
            for (int k = 0; k < 5; k++) {
                life.add(new RevokeEvent.FileReleased(object, "file-" + o + "-" + Math.max(1, files - k), ReleaseCause.REVOKE));
            }
            life.add(new RevokeEvent.RevokeCompleted(object));
            life.add(new RevokeEvent.AccessRefused(object, "read", "ENODEV", "file-" + o + "-" + files, null));
            life.add(new RevokeEvent.AccessRefused(object, "fault", "SIGBUS", null, "vma-" + o + "-" + files));
            life.add(new RevokeEvent.OpenRefused(object, "file-" + o + "-x", 7, io.revokefs.kernel.Errno.ENODEV));
            for (RevokeEvent e : life) {
                out.add(new RecordedEvent(out.size() + 1L, out.size() * 1_000L, e));
            }
        }
        return out;
    }
}
