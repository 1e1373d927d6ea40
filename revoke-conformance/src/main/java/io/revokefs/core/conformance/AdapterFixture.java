package io.revokefs.core.conformance;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What an adapter supplies to run the {@link ConformanceSuite}: how to build a world with one live
 * object under test, how userspace reaches it, how the adapter revokes it, and what section 4 of
 * docs/semantics.md says its operations return afterwards.
 *
 * <p>Each test calls {@link #create()} once: every test gets a fresh kernel, log and object.
 */
public interface AdapterFixture {

    /** The adapter's name in reports and in docs/conformance.md ({@code core-test}, {@code procfs}, ...). */
    String adapter();

    /** A fresh kernel with an in-memory log and one live object under test. */
    Subject create();

    /** The adapter's column of docs/semantics.md section 4. */
    ErrnoTable errnos();

    /**
     * The cases that do not apply to this adapter, each with the reason (shown as the JUnit
     * assumption message and copied into docs/conformance.md). Empty when every case applies.
     */
    Map<Case, String> notApplicable();

    /**
     * The adapter's main package: none of its classes (tests excluded) may use a type of
     * {@code io.revokefs.kernel.internal} or {@code io.revokefs.core.internal}. By default the package of the fixture's class, which
     * lives beside the adapter's tests.
     */
    default String mainPackage() {
        return getClass().getPackageName();
    }

    /** One object under test in its own world. */
    interface Subject {
        Kernel kernel();

        InMemoryEventLog log();

        /** The object's id in the event log ({@code procfs:/proc/driver/foo}, {@code uio:/dev/uio0}). */
        String objectId();

        /** Opens the object read-write the way userspace does for this adapter (by path or inode). */
        Result<OpenFile> open(Process p);

        /**
         * A shared, writable mmap of {@code pages} pages at {@code offset}, in the adapter's own units
         * (a file page, a physical page, a uio map index), as {@code mmap(2)}'s offset divided by the page size.
         */
        Result<Vma> mmap(Process p, OpenFile f, long pages, long offset);

        /** The offset (in the adapter's units) of the region the suite maps. */
        long mapOffset();

        /** How many pages from {@link #mapOffset()} can be mapped (at least 4). */
        long mappablePages();

        /** Revokes the object through the adapter's own entry point (remove_proc_entry, unregister...). */
        void revoke();

        /** Makes the next read return at once (for example a uio interrupt); nothing by default. */
        default void makeReadable() {
        }

        /** The byte count a valid read asks for. */
        default int readCount() {
            return 4;
        }

        /** Data a valid write sends. */
        default byte[] writeData() {
            return new byte[] {1, 0, 0, 0};
        }

        /** An ioctl command the live object accepts (only used when ioctl is not guarded). */
        default int ioctlCommand() {
            return 0;
        }

        /** The device signals an event: blocked readers and poll waiters wake (R17, R19). */
        default void interrupt() {
            throw new UnsupportedOperationException("this adapter has no event source");
        }

        /** The poll bits a waiter for the adapter's event asks for (R19): readable by default. */
        default Set<PollBit> pollInterest() {
            return Set.of(PollBit.POLLIN);
        }

        /**
         * What userspace does on an open file before it polls for the next event (R19); nothing by
         * default. sysfs: read the attribute, so that only a later {@code sysfs_notify} is news.
         */
        default void beforePoll(Process p, OpenFile f) {
        }

        /**
         * Optional capability: the device's memory goes away and comes back while the object stays
         * (docs/semantics.md section 10's temporary revoke). The cases that need it (R28, R29, R30)
         * are skipped, with that reason, for an adapter whose subject returns none (the default).
         */
        default Optional<Memory> memory() {
            return Optional.empty();
        }

        /**
         * Optional capability: the driver's vm_ops has a {@code ->close}, and this is its own count
         * of the calls (docs/semantics.md section 9). The cases that need it (R25, R26, R27) are
         * skipped for an adapter whose subject returns none (the default); R09, R10 and R24 check the
         * closes too when it is there.
         */
        default Optional<LongSupplier> vmCloses() {
            return Optional.empty();
        }
    }

    /**
     * A temporary revoke through the adapter's own paths (vfio-pci: a config-space write of
     * PCI_COMMAND's memory bit, {@code VFIO_DEVICE_RESET}). {@link #off} and {@link #on} are writes
     * to the open file, so after revoke they answer the table's write cell; {@link #reset} is an
     * ioctl and answers its ioctl cell.
     */
    interface Memory {
        /** Clears the memory enable: every mapping is zapped, faults get SIGBUS until {@link #on}. */
        Result<?> off(Process p, OpenFile f);

        /** Sets it again: mappings come back, by themselves ({@link #eager()}) or at their next fault. */
        Result<?> on(Process p, OpenFile f);

        /** Zaps, resets the device and restores its memory enable as it was. */
        Result<?> reset(Process p, OpenFile f);

        /**
         * True when mappings are populated after link and brought back by the walk after an enable
         * (the fault handler only raises SIGBUS); false when they fault their pages in.
         */
        boolean eager();
    }
}
