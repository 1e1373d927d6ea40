package io.revokefs.kernel;

import io.revokefs.core.testing.Points;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The two-level page table against a model (a map of page to frame and write bit): seeded
 * installs, write upgrades, zaps, counts, moves and fork copies over ranges of a few pages to
 * several leaves (both of zap's and the walk's strategies: leaf by leaf over the range, and over the
 * leaves present), each answer compared; then its use after free, which throws; and its footprint
 * declarations. Found by mutation testing (issue 18 point 12): the whole suite maps a few pages per
 * VMA, so the multi-leaf paths, the bounds and the use-after-free checks were removable.
 */
class PageTableModelTest {
    private static final int SPAN = 6 * PageTable.LEAF_SIZE;

    private static long entry(long pfn, boolean w) {
        return ((pfn + 1) << 1) | (w ? 1 : 0);
    }

    private static long count(Map<Long, Long> m, long vpn, long n) {
        return m.keySet().stream().filter(v -> v >= vpn && v < vpn + n).count();
    }

    private static long range(Random r) {
        return r.nextInt(4) == 0 ? 1 + r.nextInt(3 * PageTable.LEAF_SIZE) : 1 + r.nextInt(20);
    }

    @Test
    void everyAnswerIsTheModelsThroughSeededOperations() {
        for (long seed = 1; seed <= 30; seed++) {
            Random r = new Random(seed);
            PageTable t = new PageTable("t" + seed);
            PageTable child = new PageTable("c" + seed);
            Map<Long, Long> m = new HashMap<>();
            Map<Long, Long> cm = new HashMap<>();
            for (int op = 0; op < 300; op++) {
                long vpn = r.nextInt(SPAN);
                String at = "seed " + seed + " op " + op;
                switch (r.nextInt(7)) {
                    case 0, 1 -> {
                        long pfn = r.nextInt(1000);
                        boolean w = r.nextBoolean();
                        boolean fresh = !m.containsKey(vpn);
                        assertThat(t.install(vpn, pfn, w)).as(at).isEqualTo(fresh);
                        m.putIfAbsent(vpn, entry(pfn, w));
                    }
                    case 2 -> {
                        // the entry found (absent: 0, which no PTE equals), or another frame's
                        long expected = r.nextBoolean() ? t.lookup(vpn) : entry(r.nextInt(1000), false);
                        boolean same = m.containsKey(vpn) && m.get(vpn) == expected;
                        assertThat(t.mkwrite(vpn, expected)).as(at).isEqualTo(same);
                        if (same) {
                            m.put(vpn, expected | 1);
                        }
                    }
                    case 3 -> {
                        long n = range(r);
                        assertThat(t.zap(vpn, n)).as(at).isEqualTo(count(m, vpn, n));
                        m.keySet().removeIf(v -> v >= vpn && v < vpn + n);
                    }
                    case 4 -> {
                        long n = range(r);
                        assertThat(t.countPresent(vpn, n)).as(at).isEqualTo(count(m, vpn, n));
                    }
                    case 5 -> {
                        // mremap: to a range beyond the span, so the two never overlap; then back.
                        long n = 1 + r.nextInt(2 * PageTable.LEAF_SIZE);
                        long to = SPAN + PageTable.LEAF_SIZE + r.nextInt(PageTable.LEAF_SIZE);
                        t.move(vpn, to, n);
                        t.move(to, vpn, n);
                        assertThat(t.countPresent(vpn, n)).as(at).isEqualTo(count(m, vpn, n));
                        assertThat(t.countPresent(to, n)).as(at).isZero();
                    }
                    default -> {
                        long n = range(r);
                        t.copyTo(child, vpn, n);
                        m.forEach((v, e) -> {
                            if (v >= vpn && v < vpn + n) {
                                cm.putIfAbsent(v, e);
                            }
                        });
                    }
                }
                assertThat(t.present()).as(at).isEqualTo(m.size());
                for (int q = 0; q < 3; q++) {
                    long v = r.nextInt(SPAN);
                    assertThat(t.lookup(v)).as(at + " lookup " + v).isEqualTo(m.getOrDefault(v, 0L));
                }
            }
            for (Map.Entry<Long, Long> e : m.entrySet()) {
                assertThat(t.lookup(e.getKey())).isEqualTo(e.getValue());
                assertThat(PageTable.pfnOf(t.lookup(e.getKey()))).isEqualTo((e.getValue() >>> 1) - 1);
            }
            assertThat(child.present()).isEqualTo(cm.size());
            cm.forEach((v, e) -> assertThat(child.lookup(v)).isEqualTo(e));
            assertThat(t.countPresent(0, Long.MAX_VALUE / 2)).isEqualTo(m.size());
            assertThat(t.zap(0, Long.MAX_VALUE / 2)).isEqualTo(m.size());
            assertThat(t.present()).isZero();
        }
    }

    @Test
    void aFreedTableIsEmptyAndEveryUseOfItThrows() {
        PageTable t = new PageTable("gone");
        PageTable child = new PageTable("child");
        t.install(5, 7, true);
        assertThat(t.isFreed()).isFalse();
        t.free();
        assertThat(t.isFreed()).isTrue();
        assertThat(t.present()).isZero();
        List<Runnable> uses = List.of(() -> t.lookup(5), () -> t.install(6, 1, false), () -> t.mkwrite(5, entry(7, false)),
                () -> t.zap(0, 10), () -> t.countPresent(0, 10), () -> t.move(0, 100, 10), () -> t.copyTo(child, 0, 10));
        for (Runnable use : uses) {
            assertThatThrownBy(use::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("use after free");
        }
    }

    @Test
    void theTableDeclaresReadsAndWritesOfItsEntriesAndAForkCopyOfBothTables() {
        PageTable t = new PageTable("fp");
        PageTable child = new PageTable("fpc");
        t.install(1, 2, false);
        long one = t.lookup(1);
        Map<String, Runnable> ops = new java.util.LinkedHashMap<>();
        ops.put("{READ page table fp}", () -> t.lookup(1));
        ops.put("{READ page table fp} ", () -> t.countPresent(0, 4));
        ops.put("{READ page table fp}  ", t::present);
        ops.put("{READ page table fp}   ", t::isFreed);
        ops.put("{WRITE page table fp}", () -> t.install(2, 3, false));
        ops.put("{WRITE page table fp} ", () -> t.mkwrite(1, one));
        ops.put("{WRITE page table fp}  ", () -> t.zap(2, 1));
        ops.put("{WRITE page table fp}   ", () -> t.move(1, 10, 1));
        ops.put("{WRITE page table fp, WRITE page table fpc}", () -> t.copyTo(child, 0, 20));
        ops.put("{WRITE page table fp}    ", t::free);
        ops.forEach((expected, op) -> assertThat(Points.footprintsOf(op)).as(expected.trim()).containsExactly(expected.trim()));
    }
}
