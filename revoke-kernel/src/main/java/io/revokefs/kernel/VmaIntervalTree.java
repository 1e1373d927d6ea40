package io.revokefs.kernel;

import java.util.function.Consumer;

/**
 * {@code i_mmap}: the VMAs that map a file, in an interval tree keyed by their file page range
 * {@code [vm_pgoff, vm_pgoff + pages - 1]} (mm/interval_tree.c). A treap ordered by
 * {@code (vm_pgoff, insertion order)} and augmented with the largest last page of each subtree, so a
 * stabbing query costs O(log n + matches) instead of a scan.
 *
 * <p>Order matters: among VMAs with the same pgoff, a later insertion is visited later. Fork relies
 * on it as the kernel does ({@code vma_interval_tree_insert_after}): a child's copy is visited after
 * its parent, so a zap that has passed the child cannot leave PTEs the child copies from the parent.
 *
 * <p>Not thread-safe: the owning {@link AddressSpace} guards it with {@code i_mmap_rwsem}.
 */
final class VmaIntervalTree {
    private static final class Node {
        final Vma vma;
        final long first;
        final long last;
        final long seq;
        final int priority;
        long maxLast;
        Node left;
        Node right;

        Node(Vma vma, long seq) {
            this.vma = vma;
            this.first = vma.pgoff();
            this.last = vma.lastPgoff();
            this.seq = seq;
            this.maxLast = last;
            // A fixed mix of the insertion number: deterministic shape, balanced in expectation.
            long z = seq * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
            this.priority = (int) (z ^ (z >>> 29));
        }

        int compareTo(long f, long s) {
            if (first != f) {
                return Long.compare(first, f);
            }
            return Long.compare(seq, s);
        }
    }

    private Node root;
    private int size;
    private long nextSeq;

    int size() {
        return size;
    }

    void insert(Vma vma) {
        vma.treeSeq = ++nextSeq;
        root = insert(root, new Node(vma, vma.treeSeq));
        size++;
    }

    private static Node insert(Node t, Node n) {
        if (t == null) {
            return n;
        }
        if (n.compareTo(t.first, t.seq) < 0) {
            t.left = insert(t.left, n);
            if (t.left.priority > t.priority) {
                t = rotateRight(t);
            }
        } else {
            t.right = insert(t.right, n);
            if (t.right.priority > t.priority) {
                t = rotateLeft(t);
            }
        }
        update(t);
        return t;
    }

    /** Removes {@code vma}, which must be in the tree with the pgoff range it was inserted with. */
    void remove(Vma vma) {
        int before = size;
        root = remove(root, vma.pgoff(), vma.treeSeq);
        if (size == before) {
            throw new IllegalStateException("VMA not in i_mmap (was its range changed while linked?): " + vma);
        }
    }

    private Node remove(Node t, long first, long seq) {
        if (t == null) {
            return null;
        }
        int c = t.compareTo(first, seq);
        if (c > 0) {
            t.left = remove(t.left, first, seq);
        } else if (c < 0) {
            t.right = remove(t.right, first, seq);
        } else {
            size--;
            return merge(t.left, t.right);
        }
        update(t);
        return t;
    }

    private static Node merge(Node a, Node b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.priority > b.priority) {
            a.right = merge(a.right, b);
            update(a);
            return a;
        }
        b.left = merge(a, b.left);
        update(b);
        return b;
    }

    /** Calls {@code action} for each VMA whose range overlaps {@code [first, last]}, in tree order. */
    void forEachOverlapping(long first, long last, Consumer<Vma> action) {
        visit(root, first, last, action);
    }

    private static void visit(Node t, long first, long last, Consumer<Vma> action) {
        if (t == null || t.maxLast < first) {
            return;
        }
        visit(t.left, first, last, action);
        if (t.first > last) {
            return; // everything to the right starts later still
        }
        if (t.last >= first) {
            action.accept(t.vma);
        }
        visit(t.right, first, last, action);
    }

    private static Node rotateRight(Node t) {
        Node l = t.left;
        t.left = l.right;
        l.right = t;
        update(t);
        update(l);
        return l;
    }

    private static Node rotateLeft(Node t) {
        Node r = t.right;
        t.right = r.left;
        r.left = t;
        update(t);
        update(r);
        return r;
    }

    private static void update(Node t) {
        long m = t.last;
        if (t.left != null && t.left.maxLast > m) {
            m = t.left.maxLast;
        }
        if (t.right != null && t.right.maxLast > m) {
            m = t.right.maxLast;
        }
        t.maxLast = m;
    }
}
