package io.revokefs.core.conformance;

import io.revokefs.kernel.Result;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.Objects;

/**
 * The {@link AdapterFixture.Subject} most adapters need: a device node opened read-write by the
 * inode the fixture holds (its name may be gone once the device is revoked), mapped shared and
 * writable through {@code mmap(2)} from offset 0, revoked by the adapter's own entry point. A fixture
 * passes what differs and overrides the rest (an anonymous subclass: {@code readCount},
 * {@code interrupt}, {@code memory}, a region-encoded {@code mmap}, ...).
 *
 * <pre>{@code
 * return new DeviceSubject(log, kernel, "cdev:/dev/foo", dev.inode(), 8, dev::unplug) {
 *     @Override
 *     public void interrupt() {
 *         dev.event();
 *     }
 * };
 * }</pre>
 */
public class DeviceSubject implements AdapterFixture.Subject {
    private final InMemoryEventLog log;
    private final Kernel kernel;
    private final String objectId;
    private final Inode inode;
    private final long mappablePages;
    private final Runnable revoke;

    /**
     * @param objectId the object's id in the log
     * @param inode the device node, opened by {@link #open}
     * @param mappablePages how many pages from offset 0 can be mapped (at least 4)
     * @param revoke the adapter's revoke entry point (unplug, unregister, ...)
     */
    public DeviceSubject(InMemoryEventLog log, Kernel kernel, String objectId, Inode inode, long mappablePages, Runnable revoke) {
        this.log = Objects.requireNonNull(log, "log");
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.objectId = Objects.requireNonNull(objectId, "objectId");
        this.inode = Objects.requireNonNull(inode, "inode");
        this.mappablePages = mappablePages;
        this.revoke = Objects.requireNonNull(revoke, "revoke");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public InMemoryEventLog log() {
        return log;
    }

    @Override
    public String objectId() {
        return objectId;
    }

    /** Opens the held inode read-write (by path would be ENOENT once the node is gone). */
    @Override
    public Result<OpenFile> open(Process p) {
        return p.open(inode, false);
    }

    /** A shared writable {@code mmap(2)} at file page {@code offset}. */
    @Override
    public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
        return p.mmap(f, pages, offset, true);
    }

    @Override
    public long mapOffset() {
        return 0;
    }

    @Override
    public long mappablePages() {
        return mappablePages;
    }

    @Override
    public void revoke() {
        revoke.run();
    }
}
