package io.revokefs.kernel;

import io.revokefs.core.event.EventRecorder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class VmaIntervalTreeTest {
    private final Kernel kernel = new Kernel(EventRecorder.discarding());
    private final Mm mm = kernel.newProcess(0).mm();

    private Vma vma(long pgoff, long pages) {
        return new Vma("v", mm, 0, pages * Kernel.PAGE_SIZE, pgoff, EnumSet.noneOf(VmaFlag.class), null);
    }

    @Test
    void stabbingQueriesMatchABruteForceScanUnderRandomInsertsAndRemoves() {
        Random rnd = new Random(42);
        VmaIntervalTree tree = new VmaIntervalTree();
        List<Vma> live = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (live.isEmpty() || rnd.nextInt(3) > 0) {
                Vma v = vma(rnd.nextInt(1000), 1 + rnd.nextInt(20));
                tree.insert(v);
                live.add(v);
            } else {
                tree.remove(live.remove(rnd.nextInt(live.size())));
            }
            if (step % 50 == 0) {
                long first = rnd.nextInt(1000);
                long last = first + rnd.nextInt(30);
                List<Vma> got = new ArrayList<>();
                tree.forEachOverlapping(first, last, got::add);
                List<Vma> want = live.stream().filter(v -> v.pgoff() <= last && v.lastPgoff() >= first).toList();
                assertThat(got).containsExactlyInAnyOrderElementsOf(want);
            }
        }
        assertThat(tree.size()).isEqualTo(live.size());
    }

    @Test
    void aLaterInsertWithTheSamePgoffIsVisitedAfter() {
        VmaIntervalTree tree = new VmaIntervalTree();
        List<Vma> inserted = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Vma v = vma(5, 3);
            tree.insert(v);
            inserted.add(v);
        }
        List<Vma> got = new ArrayList<>();
        tree.forEachOverlapping(0, 100, got::add);
        assertThat(got).containsExactlyElementsOf(inserted);
    }

    @Test
    void removingAVmaNotInTheTreeIsABug() {
        VmaIntervalTree tree = new VmaIntervalTree();
        Vma v = vma(1, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tree.remove(v)).isInstanceOf(IllegalStateException.class);
    }
}
