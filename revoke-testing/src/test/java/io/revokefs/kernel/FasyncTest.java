package io.revokefs.kernel;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Signal;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code fcntl(F_SETOWN)} + O_ASYNC and {@code kill_fasync}: who gets SIGIO, with which si_code. */
class FasyncTest {
    private final Sim sim = new Sim();
    private final Process owner = sim.root();

    @Test
    void killFasyncQueuesSigioToTheOwnerOfAnAsyncFileOnly() {
        OpenFile f = sim.open(owner);
        assertThat(f.killFasync(SigPoll.POLL_IN)).as("O_ASYNC off").isFalse();
        assertThat(owner.fasync(f, true).isOk()).isTrue();
        assertThat(f.owner()).isSameAs(owner);
        assertThat(f.killFasync(SigPoll.POLL_IN)).isTrue();
        assertThat(owner.pendingSignals()).containsExactly(new PendingSignal(Signal.SIGIO, SigPoll.POLL_IN, f.id()));
        owner.fasync(f, false);
        assertThat(f.killFasync(SigPoll.POLL_HUP)).isFalse();
        assertThat(owner.pendingSignals()).hasSize(1);
    }

    @Test
    void fasyncOnAFileTheProcessDoesNotHoldIsEbadf() {
        OpenFile f = sim.open(owner);
        Process other = sim.root();
        assertThat(other.fasync(f, true).errnoOrNull()).isEqualTo(Errno.EBADF);
        assertThat(other.pendingSignals()).isEmpty();
    }
}
