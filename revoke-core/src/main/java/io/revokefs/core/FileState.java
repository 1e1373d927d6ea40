package io.revokefs.core;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.WaitQueue;
import io.revokefs.kernel.internal.Interleave;

import java.util.concurrent.atomic.AtomicInteger;

/** Per open file ({@code kernfs_open_file}): release-once state and the wrapped vm_ops of its mappings. */
final class FileState {
    private static final int OPEN = 0;
    private static final int RELEASING = 1;
    private static final int RELEASED = 2;
    final AtomicInteger release = new AtomicInteger(OPEN);
    final WaitQueue releaseDone;
    volatile WrappedVmOperations vm;
    /** When the file was added to its object's files, in that object's order of opens (kernfs_get_open_node's list_add_tail). */
    final long openOrder;
    /** Footprint key (Interleave.touch) of {@code release}: the file's id, fixed at open. */
    private final String key;

    FileState(OpenFile file, long openOrder) {
        this.releaseDone = new WaitQueue("release " + file.id());
        this.openOrder = openOrder;
        this.key = "release of " + file.id();
    }

    /**
     * The open files in the order they were opened: kernfs_drain_open_files walks
     * {@code on->files}, to which kernfs_get_open_node adds each file with {@code list_add_tail}
     * (a map's own order is by identity hash: a world explored twice must release in one order).
     */
    static java.util.List<java.util.Map.Entry<OpenFile, FileState>> inOpenOrder(java.util.Map<OpenFile, FileState> files) {
        java.util.List<java.util.Map.Entry<OpenFile, FileState>> l = new java.util.ArrayList<>(files.entrySet());
        l.sort(java.util.Comparator.comparingLong(e -> e.getValue().openOrder));
        return l;
    }

    /** Release-once: true if this call ran the release, false if another did (this one waited for it). */
    boolean releaseOnce(RevocableObject o, OpenFile file, ReleaseCause cause) {
        Interleave.touch(key, true);
        if (release.compareAndSet(OPEN, RELEASING)) {
            Interleave.point("release", file.id());
            try {
                o.driver.release(file);
            } finally {
                Interleave.touch(o.key, true);
                Interleave.touch(key, true);
                o.releases.put(file.id(), cause);
                o.record(new RevokeEvent.FileReleased(o.id(), file.id(), cause));
                release.set(RELEASED);
                releaseDone.wakeUp();
            }
            return true;
        }
        // close_pdeo: the other side is releasing; wait until it is done.
        releaseDone.waitEvent(() -> release.get() == RELEASED); // a wait queue's condition: an unknown footprint
        return false;
    }
}
