package io.revokefs.uio;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.WaitQueue;
import io.revokefs.core.kernel.Inode;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.PhysicalMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registered uio device ({@code struct uio_device}): {@code /dev/uioN}, its event counter, its wait
 * queue and its maps. The device side calls {@link #interrupt()}; the driver calls
 * {@link #unregister()} when it goes away.
 *
 * <p>Thread-safe.
 */
public final class UioDevice {
    private static final Logger log = LoggerFactory.getLogger(UioDevice.class);

    private final Uio uio;
    private final int minor;
    private final UioInfo info;
    private final List<PhysicalMemory.Region> regions;
    private final String path;
    private final RevocableObject object;
    private final Inode inode;
    /** {@code idev->event}. */
    private final AtomicInteger event = new AtomicInteger();
    /** {@code idev->wait}: readers and pollers sleep here; revoke kills it. */
    private final WaitQueue wait;

    UioDevice(Uio uio, int minor, UioInfo info, List<PhysicalMemory.Region> regions) {
        this.uio = uio;
        this.minor = minor;
        this.info = info;
        this.regions = List.copyOf(regions);
        this.path = "/dev/uio" + minor;
        Kernel kernel = uio.kernel();
        UioFileOps ops = new UioFileOps(this);
        this.object = RevocableObject.builder(kernel, Uio.ADAPTER + ":" + path, Uio.ADAPTER)
                .operations(ops).errnos(Uio.ERRNOS).register();
        object.mapping().setPfnMapping(ops.pfnMapping()); // for the rmap
        this.wait = object.newWaitQueue("wait");
        this.inode = kernel.newInode(path, 0600, 0, object.fileOperations(), object.mapping(), null);
        kernel.bind(path, inode);
    }

    public int minor() {
        return minor;
    }

    /** {@code /dev/uioN}. */
    public String path() {
        return path;
    }

    public UioInfo info() {
        return info;
    }

    /** The revocable object ({@code uio:/dev/uioN}). */
    public RevocableObject object() {
        return object;
    }

    /**
     * The device node's inode. After unregister the name is gone (devtmpfs removes it); a process that
     * still reaches the inode (an {@code mknod}-made node) gets ENODEV from open, as {@code uio_open}
     * finds no device for the minor.
     */
    public Inode inode() {
        return inode;
    }

    /** The first physical page of map {@code index}. */
    public long mapFirstPfn(int index) {
        return regions.get(index).firstPfn();
    }

    /** The interrupt count ({@code idev->event}). */
    public int eventCount() {
        return event.get();
    }

    /**
     * The device raised an interrupt: {@code uio_interrupt} (in recent trees the threaded
     * {@code uio_interrupt_handler} / {@code uio_interrupt_thread}) then {@code uio_event_notify}: bump
     * the count and wake readers and pollers. {@code uio_event_notify}'s
     * {@code kill_fasync(SIGIO, POLL_IN)} to fasync holders is not modelled. Returns false, doing
     * nothing, once unregistered (the IRQ was freed) or for a device without an interrupt.
     */
    public boolean interrupt() {
        if (!info.irq() || object.isRevoked()) {
            return false;
        }
        event.incrementAndGet();
        wait.wakeUp();
        return true;
    }

    /**
     * {@code uio_unregister_device}: frees the minor, removes {@code /dev/uioN}, then revokes the object
     * (cause {@value Uio#CAUSE}): sleeping readers wake with EIO (R17), pollers with POLLERR (R19),
     * every mapping — logical and physical — is zapped (R18: Linux leaves physical maps mapped), and
     * every open file is released once. Returns when that is done; a second call waits for the first.
     */
    public void unregister() {
        uio.freeMinor(this);
        uio.kernel().unbind(path);
        RevocableObject.RevokeOutcome o = object.revoke(Uio.CAUSE);
        log.debug("uio_unregister_device {}: {}", path, o);
    }

    AtomicInteger event() {
        return event;
    }

    WaitQueue waitQueue() {
        return wait;
    }

    @Override
    public String toString() {
        return path + "(" + info.name() + ")";
    }
}
