package io.revokefs.explore;

import io.revokefs.kernel.internal.LockOrder;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks run after every schedule that completed, whatever the case. Deadlocks, exceptions
 * (a use after free throws) and step-bound overruns are caught by the scheduler itself.
 */
public final class Invariants {
    private Invariants() {
    }

    /**
     * NO_LIVE_PTE_AFTER_REVOKE: for every watched object whose revoke returned, every VMA of every
     * live process that maps a file of the object has no PTE. Walks the processes, not the object's
     * {@code i_mmap}: a VMA the zap could not see (linked too late, or into another mapping) is
     * exactly what this must find.
     */
    public static final Invariant NO_LIVE_PTE_AFTER_REVOKE = world -> {
        List<String> out = new ArrayList<>();
        for (RevocableObject o : world.watched()) {
            if (!world.hasRevokeReturned(o)) {
                continue;
            }
            for (Process p : world.kernel().processes()) {
                for (Vma v : p.mm().vmas()) {
                    if (v.file() != null && RevocableObject.of(v.file()) == o) {
                        long n = p.mm().populatedPages(v);
                        if (n != 0) {
                            out.add("NO_LIVE_PTE_AFTER_REVOKE: " + v.id() + " of pid " + p.pid() + " (" + v.file()
                                    + ", mapping " + v.file().mapping().id() + ") keeps " + n + " PTE(s) after revoke of " + o.id()
                                    + " returned");
                        }
                    }
                }
            }
        }
        return out;
    };

    /** RELEASE_ONCE (driver side): each tracked file released at most once, and once if its object was revoked. */
    public static final Invariant RELEASE_ONCE = world -> {
        List<String> out = new ArrayList<>();
        if (world.releaseCount() == null) {
            return out;
        }
        for (Map.Entry<OpenFile, RevocableObject> e : world.tracked().entrySet()) {
            int n = world.releaseCount().applyAsInt(e.getKey());
            RevocableObject o = e.getValue();
            if (n > 1) {
                out.add("RELEASE_ONCE: the driver's release of " + e.getKey().id() + " ran " + n + " times");
            } else if (n == 0 && o != null && world.hasRevokeReturned(o)) {
                out.add("RELEASE_ONCE: " + e.getKey().id() + " was never released although " + o.id() + " was revoked");
            }
        }
        return out;
    };

    /** LOCK_ORDER: {@link LockOrder} saw no lock taken out of order. */
    public static final Invariant LOCK_ORDER = world -> LockOrder.violations().stream().map(m -> "LOCK_ORDER: " + m).toList();

    /** The standard list, in the order they run. */
    public static List<Invariant> standard() {
        return List.of(NO_LIVE_PTE_AFTER_REVOKE, RELEASE_ONCE, LOCK_ORDER);
    }
}
