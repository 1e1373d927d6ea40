package io.revokefs.core.testing;

import io.revokefs.core.ErrnoTable;
import io.revokefs.core.ObjectBuilder;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.List;

/**
 * A small world for tests: a kernel with an in-memory log, one device of 16 MMIO pages driven by a
 * {@link TestDriver}, registered as a revocable object with the kernfs errno table and exposed by
 * one inode.
 */
public final class Sim {
    public static final long BASE_PFN = 0x80000;
    public static final long PAGES = 16;
    public static final String OBJECT = "test:/dev/test0";

    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final TestDriver driver = new TestDriver(BASE_PFN, PAGES);
    private final RevocableObject object;
    private final Inode inode;

    public Sim() {
        this(ErrnoTable.KERNFS);
    }

    public Sim(ErrnoTable errnos) {
        this(errnos, false);
    }

    /** A world whose object refuses drivers with a vm close at mmap, as kernfs (and the sysfs adapter) do. */
    public static Sim refusingVmClose() {
        return new Sim(ErrnoTable.KERNFS, true);
    }

    private Sim(ErrnoTable errnos, boolean refuseVmClose) {
        kernel.physicalMemory().addMmio(BASE_PFN, PAGES, "test0");
        ObjectBuilder b = RevocableObject.builder(kernel, OBJECT, "test").operations(driver).errnos(errnos);
        if (refuseVmClose) {
            b.refuseVmClose();
        }
        object = b.register();
        driver.attach(object);
        inode = kernel.newInode("/dev/test0", 0600, 0, object.fileOperations(), object.mapping(), null);
    }

    /** The kernel's event log. */
    public InMemoryEventLog log() {
        return log;
    }

    public Kernel kernel() {
        return kernel;
    }

    public TestDriver driver() {
        return driver;
    }

    /** The device's revocable object, {@value #OBJECT}. */
    public RevocableObject object() {
        return object;
    }

    /** The device's inode, {@code /dev/test0}. */
    public Inode inode() {
        return inode;
    }

    public Process root() {
        return kernel.newProcess(0);
    }

    public OpenFile open(Process p) {
        return p.open(inode, false).value();
    }

    public Vma mmap(Process p, OpenFile f, long pages, long pgoff) {
        return p.mmap(f, pages, pgoff, true).value();
    }

    /** The address of page {@code index} of {@code vma}. */
    public static long page(Vma vma, long index) {
        return vma.start() + index * Kernel.PAGE_SIZE;
    }

    /** The types of the object's events, in order. */
    public List<String> types() {
        return log.events().stream().map(RecordedEvent::type).toList();
    }

    public List<String> typesOf(String object) {
        return log.eventsOf(object).stream().map(RecordedEvent::type).toList();
    }
}
