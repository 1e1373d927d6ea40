package io.revokefs.sysfs;

import io.revokefs.core.testing.Async;
import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.Result;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/races.md R22 through sysfs's own removal entry points: "revoke twice, or revoke racing itself: the
 * second waits for or returns after the first". A read is held inside resource0's (or the
 * attribute's) guard so the first removal cannot finish; a second removal must not return before it.
 *
 * <p>Both tests failed before the fix (the loser returned ENODEV / ENOENT at once, while the
 * winner is still draining): {@link PciBus#remove} finds the device already moved to "removing" and
 * returns, {@link Sysfs#remove} finds the name already unbound and returns. In Linux the loser waits
 * ({@code pci_lock_rescan_remove}; {@code kernfs_remove} of a node still linked while it drains).
 * The library waits now (PciBus.remove and Sysfs.remove keep their removals under way).
 */
class SysfsRemoveRaceTest {
    private static final long TIMEOUT_S = 10;

    /** Holds the one controlled thread at the first "guard exit" until released. */
    private static final class HoldAtGuardExit implements Interleave.Scheduler {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Thread thread;
        private boolean fired;

        @Override
        public void point(String label) {
            if (!fired && label.equals("guard exit")) {
                fired = true;
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void await(String label, BooleanSupplier condition) {
            while (!condition.getAsBoolean()) {
                LockSupport.parkNanos(200_000L);
            }
        }

        @Override
        public boolean controls(Thread t) {
            return t == thread;
        }
    }

    /** Runs {@code read} held in the guard, starts two removers, and checks the second does not return first. */
    private static void secondRemoverReturnsOnlyAfterTheFirst(Runnable read, Supplier<Result<?>> remove,
                                                               Runnable checkAfter) throws Exception {
        HoldAtGuardExit hold = new HoldAtGuardExit();
        Thread reader = new Thread(read, "held-reader");
        hold.thread = reader;
        Interleave.install(hold);
        CompletableFuture<Result<?>> first;
        CompletableFuture<Result<?>> second;
        try {
            reader.start();
            assertThat(hold.held.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
            first = Async.supply(remove);
            Thread.sleep(50);
            second = Async.supply(remove);
            Thread.sleep(50);
            assertThat(first).as("the first removal waits for the read in flight").isNotDone();
            assertThat(second).as("the second removal waits for (or returns after) the first").isNotDone();
        } finally {
            hold.release.countDown();
            reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
            Interleave.uninstall();
        }
        first.get(TIMEOUT_S, TimeUnit.SECONDS);
        second.get(TIMEOUT_S, TimeUnit.SECONDS);
        checkAfter.run();
    }


    @Test
    void R22_aSecondHotUnplugRacingTheFirstReturnsOnlyAfterTheFirstCompletes() throws Exception {
        PciWorld w = new PciWorld();
        Process p = w.root();
        OpenFile f = PciWorld.open(p, PciWorld.RESOURCE0);
        secondRemoverReturnsOnlyAfterTheFirst(() -> p.read(f, 4), () -> w.bus.remove(PciWorld.BDF),
                () -> assertThat(w.events(PciWorld.RESOURCE0_ID, RevokeEvent.RevokeCompleted.class)).hasSize(1));
    }


    @Test
    void R22_aSecondSysfsRemoveRacingTheFirstReturnsOnlyAfterTheFirstCompletes() throws Exception {
        var fixture = SysfsAttributeConformanceTest.FIXTURE.create();
        Process p = fixture.kernel().newProcess(0);
        OpenFile f = fixture.open(p).value();
        secondRemoverReturnsOnlyAfterTheFirst(() -> p.read(f, 4), () -> {
            fixture.revoke();
            return Result.ok();
        }, () -> assertThat(fixture.log().eventsOf(fixture.objectId()).stream()
                .filter(e -> e.event() instanceof RevokeEvent.RevokeCompleted)).hasSize(1));
    }
}
