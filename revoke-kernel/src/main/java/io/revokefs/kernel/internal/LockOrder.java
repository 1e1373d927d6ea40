package io.revokefs.kernel.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A small lockdep: checks that the simulation takes its locks in the kernel's order,
 * {@code mmap_lock} before a driver's {@code memory_lock} (vfio-pci) before {@code i_mmap_rwsem}
 * before the page table lock. Tests switch it on; a
 * violation throws {@link LockOrderViolation} naming both locks and is also remembered, so a test
 * can fail on a violation that happened in another thread.
 *
 * <p>Locks of the same level may nest (fork holds the parent's and the child's {@code mmap_lock},
 * as the kernel's {@code mmap_write_lock_nested} does).
 */
public final class LockOrder {

    /** Lock classes, in the order they must be taken. */
    public enum Level {
        MMAP_LOCK("mmap_lock"),
        /**
         * vfio-pci's {@code vdev->memory_lock}: taken for reading by the fault under {@code mmap_lock}
         * ({@code vfio_pci_mmap_huge_fault}), and for writing before the zap that takes
         * {@code i_mmap_rwsem} ({@code vfio_pci_zap_and_down_write_memory_lock}).
         */
        MEMORY_LOCK("memory_lock"),
        I_MMAP_RWSEM("i_mmap_rwsem"),
        PAGE_TABLE_LOCK("page_table_lock");

        private final String kernelName;

        Level(String kernelName) {
            this.kernelName = kernelName;
        }

        public String kernelName() {
            return kernelName;
        }
    }

    /** A lock taken in the wrong order. */
    public static final class LockOrderViolation extends AssertionError {
        LockOrderViolation(String message) {
            super(message);
        }
    }

    private static volatile boolean checking;
    private static final List<String> violations = new ArrayList<>();
    private static final ThreadLocal<List<TrackedLock>> HELD = ThreadLocal.withInitial(ArrayList::new);

    private LockOrder() {
    }

    /** Turns checking on or off for every thread (tests turn it on). */
    public static void setChecking(boolean on) {
        checking = on;
    }

    public static boolean isChecking() {
        return checking;
    }

    /** Violations seen since the last {@link #clearViolations()}. */
    public static synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    public static synchronized void clearViolations() {
        violations.clear();
    }

    private static synchronized void remember(String message) {
        violations.add(message);
    }

    static void beforeAcquire(TrackedLock lock) {
        if (!checking) {
            return;
        }
        for (TrackedLock held : HELD.get()) {
            if (held.level().compareTo(lock.level()) > 0) {
                String message = "lock order violation: taking " + lock.name() + " (" + lock.level().kernelName()
                        + ") while holding " + held.name() + " (" + held.level().kernelName() + "); the order is "
                        + "mmap_lock -> memory_lock -> i_mmap_rwsem -> page_table_lock";
                remember(message);
                throw new LockOrderViolation(message);
            }
        }
    }

    static void acquired(TrackedLock lock) {
        if (checking) {
            HELD.get().add(lock);
        }
    }

    static void released(TrackedLock lock) {
        if (checking) {
            List<TrackedLock> held = HELD.get();
            for (int i = held.size() - 1; i >= 0; i--) {
                if (held.get(i) == lock) {
                    held.remove(i);
                    return;
                }
            }
        }
    }

    /** Names of the locks the current thread holds, innermost last (for assertions and messages). */
    public static List<String> heldByCurrentThread() {
        return HELD.get().stream().map(TrackedLock::name).toList();
    }
}
