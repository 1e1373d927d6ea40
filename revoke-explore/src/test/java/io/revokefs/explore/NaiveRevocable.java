package io.revokefs.explore;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A naive revocable wrapper, for the planted-bug control of RELEASE_ONCE: close releases unless the
 * object is revoked, revoke releases every open file, and nothing marks a file released. A close
 * that checked before the revoke and releases after it releases a second time (the bug kernfs's
 * {@code released} flag and procfs's {@code close_pdeo} prevent). It reports its check-then-act gap
 * to the explorer as the library reports its own points.
 */
final class NaiveRevocable implements FileOperations {
    private final FileOperations driver;
    private final Set<OpenFile> open = ConcurrentHashMap.newKeySet();
    private volatile boolean revoked;

    NaiveRevocable(FileOperations driver) {
        this.driver = driver;
    }

    @Override
    public Result<Void> open(OpenFile file) {
        if (revoked) {
            return Result.err(Errno.ENODEV);
        }
        open.add(file);
        return driver.open(file);
    }

    @Override
    public void release(OpenFile file) {
        if (!revoked) {
            Interleave.point("naive close: not revoked, releasing");
            driver.release(file);
        }
        open.remove(file);
    }

    void revoke() {
        revoked = true;
        Interleave.point("naive revoke: releasing open files");
        for (OpenFile f : open) {
            driver.release(f);
        }
    }
}
