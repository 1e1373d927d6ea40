package io.revokefs.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code i_mmap}'s interval tree against a model: a list of the VMAs in insertion order, queried by
 * scanning. Seeded random inserts and removes, each followed by random stabbing queries, which
 * must find exactly the model's overlapping VMAs in the model's order (by pgoff, then insertion:
 * fork's child after its parent). Found by mutation testing (issue 18 point 12): the whole suite
 * left the subtree maxima's updates (after a rotation, a removal, a merge) and the order's
 * comparisons removable, since its trees are a few VMAs deep. The treap's priorities only shape
 * the tree: a wrong one changes no answer (its mutants are equivalent, see docs/testing.md).
 */
class VmaIntervalTreeModelTest {
    private final Kernel kernel = new Kernel((vmas, ptes, mapping, firstPfn, pages) -> { });
    private final Mm mm = kernel.newProcess(0).mm();
    private int ids;

    private Vma vma(long pgoff, long pages) {
        long start = (1L << 32) + (ids++) * (1L << 24);
        return new Vma("vma-" + ids, mm, start, start + pages * Kernel.PAGE_SIZE, pgoff, EnumSet.of(VmaFlag.SHARED), null);
    }

    private static List<Vma> model(List<Vma> live, long first, long last) {
        List<Vma> out = new ArrayList<>();
        live.stream().sorted(java.util.Comparator.comparingLong(Vma::pgoff)) // stable: insertion order within a pgoff
                .filter(v -> v.pgoff() <= last && v.lastPgoff() >= first).forEach(out::add);
        return out;
    }

    private static List<Vma> query(VmaIntervalTree tree, long first, long last) {
        List<Vma> out = new ArrayList<>();
        tree.forEachOverlapping(first, last, out::add);
        return out;
    }

    @Test
    void everyStabbingQueryFindsTheModelsVmasInItsOrderThroughRandomInsertsAndRemoves() {
        for (long seed = 1; seed <= 25; seed++) {
            Random r = new Random(seed);
            VmaIntervalTree tree = new VmaIntervalTree();
            List<Vma> live = new ArrayList<>();
            for (int op = 0; op < 400; op++) {
                if (live.isEmpty() || r.nextInt(3) != 0) {
                    Vma v = vma(r.nextInt(64), 1 + r.nextInt(r.nextBoolean() ? 4 : 40));
                    tree.insert(v);
                    live.add(v);
                } else {
                    Vma v = live.remove(r.nextInt(live.size()));
                    tree.remove(v);
                }
                assertThat(tree.size()).isEqualTo(live.size());
                for (int q = 0; q < 4; q++) {
                    long first = r.nextInt(110);
                    long last = first + r.nextInt(r.nextBoolean() ? 2 : 30);
                    assertThat(query(tree, first, last)).as("seed %d op %d [%d, %d]", seed, op, first, last)
                            .containsExactlyElementsOf(model(live, first, last));
                }
            }
            assertThat(query(tree, 0, Long.MAX_VALUE)).containsExactlyElementsOf(model(live, 0, Long.MAX_VALUE));
        }
    }

    @Test
    void removingAVmaNotInTheTreeIsRefused() {
        VmaIntervalTree tree = new VmaIntervalTree();
        Vma in = vma(0, 2);
        tree.insert(in);
        Vma out = vma(0, 2);
        out.treeSeq = 99;
        assertThatThrownBy(() -> tree.remove(out)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not in i_mmap");
        assertThat(tree.size()).isEqualTo(1);
    }
}
