package io.revokefs.core;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardTest {

    private static void daemon(Runnable r) {
        Thread th = new Thread(r);
        th.setDaemon(true);
        th.start();
    }

    @Test
    void entersWhileActiveAndRefusesAfterDeactivation() {
        Guard g = new Guard();
        int t = g.tryEnter();
        assertThat(t).isNotNegative();
        assertThat(g.inFlight()).isEqualTo(1);
        g.exit(t);
        assertThat(g.deactivate()).isTrue();
        assertThat(g.deactivate()).isFalse();
        assertThat(g.tryEnter()).isNegative();
        assertThat(g.inFlight()).isZero(); // the refused entrant backed out
    }

    @Test
    void drainWaitsForEveryEntryAndOnlyThose() throws Exception {
        Guard g = new Guard();
        int a = g.tryEnter();
        int b = g.tryEnter();
        g.deactivate();
        CompletableFuture<Void> drain = CompletableFuture.runAsync(g::drain, GuardTest::daemon);
        Thread.sleep(50);
        assertThat(drain).isNotDone();
        g.exit(a);
        Thread.sleep(50);
        assertThat(drain).isNotDone();
        g.exit(b);
        drain.get(5, TimeUnit.SECONDS);
        assertThat(g.isDrained()).isTrue();
    }

    @Test
    void drainBeforeDeactivateIsABug() {
        assertThatThrownBy(new Guard()::drain).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBrokenProtectionLetsTheHolderDrainItsOwnGuard() throws Exception {
        Guard g = new Guard();
        int t = g.tryEnter();
        g.breakProtection(t);
        g.deactivate();
        CompletableFuture.runAsync(g::drain, GuardTest::daemon).get(5, TimeUnit.SECONDS);
        g.unbreakProtection(t);
        assertThat(g.inFlight()).isEqualTo(1);
        g.exit(t);
        assertThat(g.inFlight()).isZero();
    }

    @Test
    void tokensBalanceAcrossThreads() throws Exception {
        Guard g = new Guard();
        int t = g.tryEnter();
        CompletableFuture.runAsync(() -> g.exit(t), GuardTest::daemon).get(5, TimeUnit.SECONDS);
        assertThat(g.inFlight()).isZero();
    }
}
