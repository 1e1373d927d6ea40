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

    FileState(OpenFile file) {
        this.releaseDone = new WaitQueue("release " + file.id());
    }

    /** Release-once: true if this call ran the release, false if another did (this one waited for it). */
    boolean releaseOnce(RevocableObject o, OpenFile file, ReleaseCause cause) {
        if (release.compareAndSet(OPEN, RELEASING)) {
            Interleave.point("release", file.id());
            try {
                o.driver.release(file);
            } finally {
                o.releases.put(file.id(), cause);
                o.record(new RevokeEvent.FileReleased(o.id(), file.id(), cause));
                release.set(RELEASED);
                releaseDone.wakeUp();
            }
            return true;
        }
        // close_pdeo: the other side is releasing; wait until it is done.
        releaseDone.waitEvent(() -> release.get() == RELEASED);
        return false;
    }
}
