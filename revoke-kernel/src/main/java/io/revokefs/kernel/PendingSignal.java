package io.revokefs.kernel;

import io.revokefs.kernel.Signal;

import java.util.Objects;

/**
 * A signal queued to a process and not yet handled (the simulation never delivers it: a test or a
 * scenario reads {@link Process#pendingSignals()}).
 *
 * @param signal the signal
 * @param code its {@code si_code} for SIGIO, or {@code null} for other signals
 * @param fileId the file whose {@code kill_fasync} sent it ({@code file-N}), or {@code null}
 */
public record PendingSignal(Signal signal, SigPoll code, String fileId) {
    public PendingSignal {
        Objects.requireNonNull(signal, "signal");
    }

    @Override
    public String toString() {
        return signal + (code == null ? "" : "(" + code + ")");
    }
}
