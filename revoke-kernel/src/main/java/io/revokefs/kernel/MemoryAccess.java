package io.revokefs.kernel;

import io.revokefs.kernel.Signal;

/**
 * The outcome of a load or store at a virtual address: the word read (0 for a store), or the signal
 * the access raised.
 */
public record MemoryAccess(long value, Signal signal) {

    public static MemoryAccess ok(long value) {
        return new MemoryAccess(value, null);
    }

    public static MemoryAccess raise(Signal signal) {
        return new MemoryAccess(0, signal);
    }

    public boolean isOk() {
        return signal == null;
    }

    /** {@code "ok"} or the signal's name, as scenario scripts write it. */
    public String outcome() {
        return signal == null ? "ok" : signal.name();
    }
}
