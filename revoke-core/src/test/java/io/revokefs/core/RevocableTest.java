package io.revokefs.core;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.WaitQueue;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link Revocable}, case by case against the 2026 Linux revocable series: every case of its KUnit
 * suite (drivers/base/revocable_test.c as merged, then drivers/base/test/revocable-test.c of v10/v11:
 * basic, revocation, try_access_macro, try_access_macro2, provider_use_after_free, concurrent_access,
 * and the or_return / or_skip forms v8-v10 added) and of its kselftest
 * (tools/testing/selftests/drivers/base/revocable/revocable_test.c with its test module: a consumer
 * file whose read at offset 0, 0x1234 and 0x5678 goes through the three access forms). The cases
 * that need threads to interleave are also model-checked, in {@link RevocableModelCheckTest}.
 */
class RevocableTest {

    @Test
    void itsNameItsDescriptionAndAHandlesProviderSayWhichResourceItIs() {
        Revocable<AtomicInteger> r = Revocable.of("bar0", new AtomicInteger());
        assertThat(r.name()).isEqualTo("bar0");
        assertThat(r.toString()).isEqualTo("Revocable[bar0]");
        Revocable.Handle<AtomicInteger> h = r.handle().value();
        assertThat(h.provider()).isSameAs(r);
        r.revoke();
        assertThat(r.toString()).isEqualTo("Revocable[bar0, revoked]");
    }

    @Test
    void tryAccessOrSkipSaysWhetherTheBodyRanAndSkipsItOnceRevoked() {
        Revocable<AtomicInteger> r = Revocable.of("res", new AtomicInteger());
        assertThat(r.tryAccessOrSkip(AtomicInteger::incrementAndGet)).isTrue();
        r.revoke();
        AtomicInteger after = new AtomicInteger();
        assertThat(r.tryAccessOrSkip(x -> after.incrementAndGet())).as("revoked: skipped").isFalse();
        assertThat(after).hasValue(0);
    }

    /** The KUnit suite's {@code real_res = (void *)0x12345678}. */
    private static final String REAL_RES = "0x12345678";

    @Nested
    class KUnit {
        @Test
        void basic() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            Revocable.Handle<String> rh = rev.handle().value();
            try (Revocable.Access<String> a = rh.tryAccess()) {
                assertThat(a.isPresent()).isTrue();
                assertThat(a.get()).isSameAs(REAL_RES);
            }
            assertThat(rev.revoke()).as("the call that revoked").isTrue();
            assertThat(rev.isReleased()).isTrue();
        }

        @Test
        void revocation() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            Revocable.Handle<String> rh = rev.handle().value();
            try (Revocable.Access<String> a = rh.tryAccess()) {
                assertThat(a.orNull()).isSameAs(REAL_RES);
            }
            rev.revoke();
            try (Revocable.Access<String> a = rh.tryAccess()) {
                assertThat(a.isPresent()).isFalse();
                assertThat(a.orNull()).as("revocable_try_access's NULL").isNull();
                assertThatThrownBy(a::get).isInstanceOf(java.util.NoSuchElementException.class);
            }
        }

        /** {@code revocable_try_access_with}: the access ends when the scope does, even when empty. */
        @Test
        void try_access_macro() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            try (Revocable.Access<String> a = rev.tryAccess()) {
                assertThat(a.get()).isSameAs(REAL_RES);
                assertThat(rev.accessesInFlight()).as("inside the scope").isEqualTo(1);
            }
            assertThat(rev.accessesInFlight()).as("after the scope").isZero();
            rev.revoke();
            try (Revocable.Access<String> a = rev.tryAccess()) {
                assertThat(a.orNull()).isNull();
            }
            assertThat(rev.accessesInFlight()).isZero();
        }

        /**
         * {@code REVOCABLE_TRY_ACCESS_SCOPED} / {@code revocable_try_access_with_scoped}: the block runs in
         * both cases, with the resource or with NULL; here Rust's {@code try_access_with}, whose body runs
         * only with the resource and whose result is empty otherwise.
         */
        @Test
        void try_access_macro2() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            boolean[] accessed = {false};
            Optional<Integer> len = rev.tryAccessWith(res -> {
                assertThat(res).isSameAs(REAL_RES);
                assertThat(rev.accessesInFlight()).isEqualTo(1);
                accessed[0] = true;
                return res.length();
            });
            assertThat(accessed[0]).isTrue();
            assertThat(len).contains(REAL_RES.length());
            assertThat(rev.accessesInFlight()).isZero();

            rev.revoke();
            accessed[0] = false;
            try (Revocable.Access<String> a = rev.tryAccess()) { // the scoped block that runs with NULL
                assertThat(a.orNull()).isNull();
                accessed[0] = true;
            }
            assertThat(accessed[0]).isTrue();
            assertThat(rev.tryAccessWith(res -> fail("the body must not run once revoked"))).isEmpty();
        }

        /** The scoped form ends the access when its body throws too. */
        @Test
        void try_access_macro_endsTheAccessWhenTheBodyThrows() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            assertThatThrownBy(() -> rev.tryAccessWith(res -> {
                throw new IllegalStateException("driver bug");
            })).hasMessage("driver bug");
            assertThat(rev.accessesInFlight()).isZero();
            assertThat(rev.revoke()).isTrue(); // would wait forever if the access had leaked
        }

        /**
         * {@code revocable_init} refuses a provider that is gone (NULL, revoked) or going (its kref at
         * zero, releasing): here, a handle is refused with ENODEV once revoke has begun, including while
         * the revoke still waits for an access.
         */
        @Test
        void provider_use_after_free() throws Exception {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            Revocable.Access<String> inFlight = rev.tryAccess();
            Thread provider = new Thread(rev::revoke, "provider");
            provider.start();
            while (!rev.isRevoked()) {
                Thread.onSpinWait(); // until the revoke has begun; it then waits for inFlight
            }
            assertThat(rev.handle().errnoOrNull()).as("handle while the provider is releasing").isEqualTo(Errno.ENODEV);
            assertThat(rev.isReleased()).isFalse();
            inFlight.close();
            provider.join();
            assertThat(rev.handle().errnoOrNull()).as("handle after revoke").isEqualTo(Errno.ENODEV);
        }

        /**
         * revocable_test_concurrent_access (v8): consumer 1 enters; the provider revokes and cannot return;
         * consumer 2 gets nothing; both exit; the provider returns. Handshakes instead of the KUnit's
         * {@code msleep(100)}: each step waits for a state the previous one sets.
         */
        @Test
        void concurrent_access() throws Exception {
            AtomicInteger releases = new AtomicInteger();
            Revocable<String> rev = Revocable.of("rev", REAL_RES, r -> releases.incrementAndGet());
            Revocable.Handle<String> rh1 = rev.handle().value();
            Revocable.Handle<String> rh2 = rev.handle().value();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch exit = new CountDownLatch(1);
            AtomicReference<Object> seen1 = new AtomicReference<>();
            Thread consumer1 = new Thread(() -> {
                try (Revocable.Access<String> a = rh1.tryAccess()) {
                    seen1.set(a.orNull());
                    entered.countDown();
                    await(exit);
                    assertThat(releases.get()).as("released while consumer 1 was inside").isZero();
                }
            }, "consumer1");
            consumer1.start();
            entered.await();

            CountDownLatch providerReturned = new CountDownLatch(1);
            Thread provider = new Thread(() -> {
                rev.revoke();
                providerReturned.countDown();
            }, "provider");
            provider.start();
            while (!rev.isRevoked()) {
                Thread.onSpinWait();
            }
            try (Revocable.Access<String> a = rh2.tryAccess()) {
                assertThat(a.orNull()).as("consumer 2, after revoke began").isNull();
            }
            assertThat(providerReturned.getCount()).as("the provider waits for consumer 1").isEqualTo(1);
            assertThat(rev.accessesInFlight()).isEqualTo(1);

            exit.countDown();
            consumer1.join();
            provider.join();
            assertThat(seen1.get()).isSameAs(REAL_RES);
            assertThat(releases.get()).isEqualTo(1);
            assertThat(rev.isReleased()).isTrue();
        }

        /** v8's or_return forms: ENODEV, or the errno given, without running the body. */
        @Test
        void try_access_or_return_variants() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            assertThat(rev.tryAccessOrReturn(res -> Result.ok(res.length())).value()).isEqualTo(REAL_RES.length());
            rev.revoke();
            assertThat(rev.tryAccessOrReturnErr(Errno.EIO, res -> fail("unreachable")).errnoOrNull())
                    .as("or_return_err(-ENXIO) in the KUnit; EIO here, the simulation has no ENXIO").isEqualTo(Errno.EIO);
            assertThat(rev.tryAccessOrReturn(res -> fail("unreachable")).errnoOrNull())
                    .as("or_return: -ENODEV").isEqualTo(Errno.ENODEV);
            assertThat(rev.tryAccessOrSkip(res -> fail("unreachable"))).as("or_return_void: nothing ran").isFalse();
            assertThat(rev.accessesInFlight()).isZero();
        }

        /** v10's {@code revocable_try_access_or_skip_scoped}: the block runs when live, is skipped when revoked. */
        @Test
        void try_access_or_skip_scoped() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            List<String> ran = new ArrayList<>();
            assertThat(rev.tryAccessOrSkip(ran::add)).isTrue();
            rev.revoke();
            assertThat(rev.tryAccessOrSkip(ran::add)).isFalse();
            assertThat(ran).containsExactly(REAL_RES);
        }
    }

    /**
     * The kselftest, through a consumer like its test module's debugfs file: a read at offset 0 uses
     * a handle with try-access and withdraw, at 0x1234 the try-with scope, at 0x5678 the scoped form,
     * and each prints the resource or "(null)"; the provider's "resource_gone" command revokes.
     */
    @Nested
    class Kselftest {
        private static final String TEST_DATA = "12345678";
        private static final int TEST_MAGIC_OFFSET = 0x1234;
        private static final int TEST_MAGIC_OFFSET2 = 0x5678;

        private final Revocable<String> rp = Revocable.of("revocable_test", TEST_DATA);

        /** {@code revocable_test_consumer_read}. */
        private String consumerRead(int offset) {
            switch (offset) {
                case 0: {
                    Result<Revocable.Handle<String>> rev = rp.handle();
                    if (!rev.isOk()) {
                        return "(null)";
                    }
                    Revocable.Access<String> a = rev.value().tryAccess();
                    String data = a.isPresent() ? a.get() : "(null)";
                    a.close();
                    return data;
                }
                case TEST_MAGIC_OFFSET:
                    try (Revocable.Access<String> a = rp.tryAccess()) {
                        return a.isPresent() ? a.get() : "(null)";
                    }
                case TEST_MAGIC_OFFSET2:
                    return rp.tryAccessWith(res -> res).orElse("(null)");
                default:
                    return "";
            }
        }

        private void resourceGone() {
            rp.revoke();
        }

        @Test
        void basic() {
            assertThat(consumerRead(0)).isEqualTo(TEST_DATA);
        }

        @Test
        void revocation() {
            assertThat(consumerRead(0)).isEqualTo(TEST_DATA);
            resourceGone();
            assertThat(consumerRead(0)).isEqualTo("(null)");
        }

        @Test
        void try_access_macro() {
            assertThat(consumerRead(TEST_MAGIC_OFFSET)).isEqualTo(TEST_DATA);
            resourceGone();
            assertThat(consumerRead(TEST_MAGIC_OFFSET)).isEqualTo("(null)");
        }

        @Test
        void try_access_macro2() {
            assertThat(consumerRead(TEST_MAGIC_OFFSET2)).isEqualTo(TEST_DATA);
            resourceGone();
            assertThat(consumerRead(TEST_MAGIC_OFFSET2)).isEqualTo("(null)");
        }
    }

    @Nested
    class Contract {
        @Test
        void endingAnAccessTwiceEndsItOnce() {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            Revocable.Access<String> a = rev.tryAccess();
            Revocable.Access<String> b = rev.tryAccess();
            a.close();
            a.close();
            assertThat(rev.accessesInFlight()).as("b is still in flight").isEqualTo(1);
            assertThatThrownBy(a::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("after it ended");
            b.close();
            assertThat(rev.accessesInFlight()).isZero();
        }

        @Test
        void revokeNosyncWithNoAccessRevokesAndReleasesAtOnce() {
            AtomicInteger releases = new AtomicInteger();
            Revocable<String> rev = Revocable.of("rev", REAL_RES, r -> releases.incrementAndGet());
            assertThat(rev.revokeNosync().value()).isTrue();
            assertThat(releases.get()).isEqualTo(1);
            assertThat(rev.revokeNosync().value()).as("already revoked").isFalse();
            assertThat(rev.revoke()).isFalse();
            assertThat(releases.get()).isEqualTo(1);
        }

        /** Rust trusts the caller of {@code revoke_nosync}; this one refuses, and a revoke() finishes. */
        @Test
        void revokeNosyncWithAnAccessInFlightRefusesWithEbusyAndRevokeFinishes() {
            AtomicInteger releases = new AtomicInteger();
            Revocable<String> rev = Revocable.of("rev", REAL_RES, r -> releases.incrementAndGet());
            Revocable.Access<String> a = rev.tryAccess();
            assertThat(rev.revokeNosync().errnoOrNull()).isEqualTo(Errno.EBUSY);
            assertThat(rev.isRevoked()).as("deactivated: no new access").isTrue();
            assertThat(rev.tryAccess().isPresent()).isFalse();
            assertThat(rev.handle().errnoOrNull()).isEqualTo(Errno.ENODEV);
            assertThat(a.get()).as("the access in flight keeps its resource").isSameAs(REAL_RES);
            assertThat(releases.get()).as("nothing released under an access").isZero();
            assertThat(rev.revokeNosync().errnoOrNull()).as("still busy").isEqualTo(Errno.EBUSY);
            a.close();
            assertThat(rev.revoke()).as("the revoke that finishes the stalled one").isTrue();
            assertThat(releases.get()).isEqualTo(1);
            assertThat(rev.isReleased()).isTrue();
        }

        /** Rust's 2026 fix: a revoker that loses waits until the winner's release has finished. */
        @Test
        void aSecondRevokeWaitsForTheFirstsRelease() throws Exception {
            CountDownLatch inRelease = new CountDownLatch(1);
            CountDownLatch finishRelease = new CountDownLatch(1);
            Revocable<String> rev = Revocable.of("rev", REAL_RES, r -> {
                inRelease.countDown();
                await(finishRelease);
            });
            Thread first = new Thread(rev::revoke, "first");
            first.start();
            inRelease.await();
            AtomicReference<Boolean> second = new AtomicReference<>();
            CountDownLatch secondReturned = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                second.set(rev.revoke());
                secondReturned.countDown();
            }, "second");
            t.start();
            while (t.getState() != Thread.State.WAITING && secondReturned.getCount() != 0) {
                Thread.onSpinWait(); // until the second revoke is asleep (or, wrongly, returned)
            }
            assertThat(secondReturned.getCount()).as("the second revoke returned while the first's release ran").isEqualTo(1);
            assertThat(rev.isReleased()).isFalse();
            finishRelease.countDown();
            first.join();
            t.join();
            assertThat(second.get()).isFalse();
            assertThat(rev.isReleased()).isTrue();
        }

        @Test
        void aSleeperInsideAnAccessIsWokenByRevoke() throws Exception {
            Revocable<String> rev = Revocable.of("rev", REAL_RES);
            WaitQueue q = rev.newWaitQueue("events");
            AtomicReference<Boolean> woke = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try (Revocable.Access<String> a = rev.tryAccess()) {
                    woke.set(q.waitEvent(() -> false));
                }
            }, "reader");
            reader.start();
            while (q.sleepers() == 0) {
                Thread.onSpinWait();
            }
            rev.revoke(); // returns only once the reader has woken and ended its access
            reader.join();
            assertThat(woke.get()).as("woken by the revoke, not by its condition").isFalse();
            assertThat(q.sleepers()).isZero();
            assertThat(rev.newWaitQueue("late").isKilled()).isTrue();
        }

        @Test
        void nullResourceIsABugOfTheCaller() {
            assertThatThrownBy(() -> Revocable.of("rev", null)).isInstanceOf(NullPointerException.class);
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
