package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;

/**
 * A sysfs text attribute ({@code struct device_attribute}): {@code show} renders the value a read
 * returns, {@code store} parses what a write brings. Both run inside the file's guard: once the file
 * is removed they are never called again, and removal waits for the calls in flight.
 */
public interface Attribute {

    /** {@code ->show}. Without it a read fails with EIO. */
    default Result<String> show() {
        return Result.err(Errno.EIO);
    }

    /**
     * {@code ->store} of one write's text. {@code self} is the file being written, for a store that
     * removes its own device ({@link SysfsFile#removeSelf()}). Without it a write fails with EIO.
     */
    default Result<Void> store(SysfsFile self, String value) {
        return Result.err(Errno.EIO);
    }
}
