package io.revokefs.explore;

import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.kernel.internal.TrackedLock;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The explorer itself: search, replay, deadlock detection, teardown. */
class ExplorerTest {

    private static RaceWorld empty() {
        InMemoryEventLog log = new InMemoryEventLog();
        return new RaceWorld(new Kernel(log), log);
    }

    /** Two threads taking two locks in opposite orders (same lock class, so only the deadlock can tell). */
    private static RaceWorld abba() {
        RaceWorld w = empty();
        TrackedLock a = new TrackedLock("a", LockOrder.Level.MMAP_LOCK);
        TrackedLock b = new TrackedLock("b", LockOrder.Level.MMAP_LOCK);
        w.thread("ab", () -> {
            a.writeLock();
            b.writeLock();
            b.writeUnlock();
            a.writeUnlock();
        });
        w.thread("ba", () -> {
            b.writeLock();
            a.writeLock();
            a.writeUnlock();
            b.writeUnlock();
        });
        return w;
    }

    @Test
    void scheduleTextRoundTrips() {
        Schedule s = new Schedule(List.of(0, 0, 0, 1, 2, 2, 0));
        assertThat(s.toString()).isEqualTo("0x3.1x1.2x2.0x1");
        assertThat(Schedule.parse(s.toString())).isEqualTo(s);
        assertThat(Schedule.parse("").length()).isZero();
    }

    @Test
    void findsAnAbbaDeadlockNamingEachThreadsWait() {
        ExploreCase c = ExploreCase.of("abba", "two locks, opposite orders", ExplorerTest::abba);
        Report r = Explorer.explore(c, Explorer.Options.defaults());
        assertThat(r.failure()).isPresent();
        assertThat(r.failure().get().problems().get(0)).contains("deadlock").contains("ab waits at 'write b'")
                .contains("ba waits at 'write a'");
        assertThat(Explorer.replay(c, r.failure().get().schedule(), Explorer.Options.defaults()).failure()).isPresent();
    }

    @Test
    void searchWithoutPreemptionsCannotInterleaveAndSaysItWasExhaustive() {
        ExploreCase c = ExploreCase.of("abba", "two locks, opposite orders", ExplorerTest::abba);
        Report r = Explorer.explore(c, Explorer.Options.defaults().withPreemptionBound(0).withSchedules(100, 0));
        assertThat(r.failure()).isEmpty();
        assertThat(r.exhaustive()).isTrue();
        assertThat(r.schedules()).isEqualTo(2); // which thread starts: nothing else is free
    }

    @Test
    void randomFailuresReplayFromTheirSeed() {
        ExploreCase c = ExploreCase.of("R04-naive-inside-mmap", "populate inside ->mmap racing revoke",
                () -> Cases.populateInsideMmapRacingZap());
        Report r = Explorer.explore(c, Explorer.Options.defaults().withSchedules(0, 2000).withSeed(42));
        assertThat(r.failure()).isPresent();
        Report.Failure f = r.failure().get();
        assertThat(f.seed()).isNotNull();
        Report again = Explorer.replaySeed(c, f.seed(), Explorer.Options.defaults());
        assertThat(again.failure()).isPresent();
        assertThat(again.failure().get().schedule()).isEqualTo(f.schedule());
        assertThat(again.failure().get().problems()).isEqualTo(f.problems());
    }

    @Test
    void everyScheduleRunsTheSameWorldAndLeavesNoThreadBehind() {
        AtomicInteger worlds = new AtomicInteger();
        ExploreCase c = ExploreCase.of("count", "R05 counted", () -> {
            worlds.incrementAndGet();
            return Cases.r05();
        });
        Report r = Explorer.explore(c, Explorer.Options.defaults().withSchedules(50, 10));
        assertThat(worlds.get()).isEqualTo(r.schedules());
        // Abandoned schedules (the deadlocks above) unwind their threads too.
        Explorer.explore(ExploreCase.of("abba", "", ExplorerTest::abba), Explorer.Options.defaults().withStopAtFirstViolation(false)
                .withSchedules(200, 20));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("explore-") && t.isAlive());
    }

    @Test
    void aThreadThatThrowsFailsTheScheduleWithItsException() {
        ExploreCase c = ExploreCase.of("throws", "", () -> {
            RaceWorld w = empty();
            w.thread("ok", () -> { });
            w.thread("bad", () -> Cases.expect(false, "planted"));
            return w;
        });
        Report r = Explorer.explore(c, Explorer.Options.defaults());
        assertThat(r.failure().get().problems().get(0)).contains("exception in thread bad").contains("planted");
    }
}
