package io.revokefs.uio;

import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.SigPoll;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.PhysicalMemory;
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
     * the count, wake readers and pollers, and {@code kill_fasync(&idev->async_queue, SIGIO, POLL_IN)}:
     * every open file with O_ASYNC on ({@code uio_fasync}) queues SIGIO with {@code POLL_IN} to its
     * owner. Returns false, doing nothing, once unregistered (the IRQ was freed) or for a device
     * without an interrupt.
     */
    public boolean interrupt() {
        if (!info.irq() || object.isRevoked()) {
            return false;
        }
        event.incrementAndGet();
        wait.wakeUp();
        for (OpenFile f : object.openFiles()) {
            f.killFasync(SigPoll.POLL_IN);
        }
        return true;
    }

    /**
     * {@code uio_unregister_device}, in its order: revokes the object first (cause {@value Uio#CAUSE};
     * Linux's {@code idev->info = NULL} under {@code info_lock}, then {@code wake_up_interruptible} and
     * {@code kill_fasync(SIGIO, POLL_HUP)}): sleeping readers wake with EIO (R17), pollers with POLLERR
     * (R19), every mapping — logical and physical — is zapped (R18: Linux leaves physical maps mapped),
     * and every open file is released once; then frees the minor ({@code uio_free_minor}) and removes
     * {@code /dev/uioN} ({@code device_unregister}). Returns when that is done; a second call waits for
     * the first.
     */
    public void unregister() {
        RevocableObject.RevokeOutcome o = object.revoke(Uio.CAUSE);
        uio.freeMinor(this);
        uio.kernel().unbind(path);
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
