package io.revokefs.core.event;

import io.revokefs.kernel.Errno;

import java.util.Objects;

/**
 * The lifecycle events of revocable objects: the record of truth of a run (docs/semantics.md section 7).
 *
 * <p>Each record carries the fields of its JSON line except the envelope ({@code v}, {@code seq},
 * {@code type}), which {@link RecordedEvent} adds. Record component names are the JSON field names:
 * they are a public interface. Fields beyond the required ones are documented on each record.
 *
 * <p>Identifiers: {@code object} names a revocable object (for example
 * {@code sysfs:/devices/pci0000:00/0000:00:02.0/resource0}); {@code file} and {@code vma} are ids the
 * simulation assigns ({@code file-1}, {@code vma-1}) and never reuses within a run.
 */
public sealed interface RevokeEvent {

    /** Schema version written in the {@code v} field. */
    int SCHEMA_VERSION = 1;

    /** The revocable object this event belongs to. */
    String object();

    /** The event type, as written in the {@code type} field: the record's simple name. */
    default String type() {
        return getClass().getSimpleName();
    }

    /**
     * Calls the visitor's method for this event's type. Every consumer of events (the auditor, replay,
     * the report) implements {@link Visitor}, so a new event type does not compile until each of them
     * handles it.
     */
    <R> R accept(Visitor<R> visitor);

    /** One method per event type; see {@link #accept}. */
    interface Visitor<R> {
        R visit(ObjectRegistered e);

        R visit(FileOpened e);

        R visit(OpenRefused e);

        R visit(Mmapped e);

        R visit(MmapRefused e);

        R visit(VmaDuplicated e);

        R visit(VmaUnmapped e);

        R visit(VmaClosed e);

        R visit(Faulted e);

        R visit(AccessRefused e);

        R visit(RevokeStarted e);

        R visit(RevokeDrained e);

        R visit(MappingsZapped e);

        R visit(FileReleased e);

        R visit(RevokeCompleted e);

        R visit(FileClosed e);

        R visit(MemoryToggled e);
    }

    /** A revocable object starts a life. */
    record ObjectRegistered(String object, String adapter) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public ObjectRegistered {
            requireAll(object, adapter);
        }
    }

    /** An open reached the object and succeeded. */
    record FileOpened(String object, String file, int pid) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public FileOpened {
            requireAll(object, file);
        }
    }

    /**
     * An open was refused; {@code file} is the id the open would have had.
     *
     * @param expect optional field: the {@code expect} of the scenario line that was running when the refusal
     *     was recorded ({@code ok}, an errno or signal name, a poll mask); {@code null} outside a scenario run
     */
    record OpenRefused(String object, String file, int pid, Errno errno, String expect) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public OpenRefused {
            requireAll(object, file, errno);
        }

        /** Without an expectation (outside a scenario run). */
        public OpenRefused(String object, String file, int pid, Errno errno) {
            this(object, file, pid, errno, null);
        }
    }

    /**
     * An mmap of the object succeeded and its VMA was linked into the mapping.
     *
     * @param pgoff the VMA's {@code vm_pgoff} (the physical page for iomem mappings)
     * @param pages the VMA's length in pages
     * @param mapping extra field: the id of the {@code address_space} the VMA is linked into, so
     *     that replay can apply a zap of that mapping to every VMA in it
     * @param populated extra field: pages whose PTEs were installed before the mmap returned
     *     (eager population); 0 for populate-on-fault
     * @param pfn optional field: the physical page behind {@code pgoff}, the VMA's pages following it in
     *     order (as {@code remap_pfn_range} lays them out), when the mapping says what it installs
     *     ({@code AddressSpace.pfnMapping}); {@code null} otherwise. Lets replay answer "who maps this
     *     physical page" for a driver's own mapping, whose {@code pgoff} is not a PFN
     */
    record Mmapped(String object, String file, String vma, int pid, long pgoff, long pages, String mapping,
                   long populated, Long pfn) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public Mmapped {
            requireAll(object, file, vma, mapping);
        }

        /** Without the PFN (a mapping that does not say what it installs). */
        public Mmapped(String object, String file, String vma, int pid, long pgoff, long pages, String mapping,
                       long populated) {
            this(object, file, vma, pid, pgoff, pages, mapping, populated, null);
        }
    }

    /**
     * An mmap of the object was refused; {@code vma} is the id the VMA would have had.
     *
     * @param expect optional field: the {@code expect} of the scenario line that was running when the refusal
     *     was recorded ({@code ok}, an errno or signal name, a poll mask); {@code null} outside a scenario run
     */
    record MmapRefused(String object, String file, String vma, int pid, long pgoff, long pages, Errno errno,
                       String reason, String expect) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public MmapRefused {
            requireAll(object, file, vma, errno, reason);
        }

        /** Without an expectation (outside a scenario run). */
        public MmapRefused(String object, String file, String vma, int pid, long pgoff, long pages, Errno errno,
                           String reason) {
            this(object, file, vma, pid, pgoff, pages, errno, reason, null);
        }
    }

    /**
     * A VMA of the object was copied into a child process by fork.
     *
     * @param ptes extra field: the PTEs fork copied into the child ({@code copy_page_range} copies a
     *     VM_PFNMAP VMA's PTEs, all of them; other shared mappings are left to fault again in the child)
     */
    record VmaDuplicated(String object, String vma, String from, int pid, long ptes) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public VmaDuplicated {
            requireAll(object, vma, from);
        }
    }

    /**
     * Pages of a VMA were unmapped (munmap, or process exit).
     *
     * @param pgoff extra field: the first file page unmapped
     * @param pages extra field: how many pages; the VMA is gone when none of its pages remain
     */
    record VmaUnmapped(String object, String vma, long pgoff, long pages) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public VmaUnmapped {
            requireAll(object, vma);
        }
    }

    /**
     * The driver's {@code vm_ops->close} ran for one piece of a VMA (docs/semantics.md section 9): the
     * piece {@code [pgoff, pgoff + pages)} of {@code vma}, closed by its munmap / exit / mremap
     * ({@link Cause#UNMAP}) or by the object's revoke ({@link Cause#REVOKE}), whichever came first.
     * Only drivers whose vm_ops has {@code close} produce it; invariant {@code CLOSE_ONCE}.
     */
    record VmaClosed(String object, String vma, long pgoff, long pages, Cause cause) implements RevokeEvent {
        /** Who ran the close. */
        public enum Cause { UNMAP, REVOKE }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public VmaClosed {
            requireAll(object, vma, cause);
        }
    }

    /**
     * A PFN was installed at file page {@code pgoff} of a VMA of the object.
     *
     * @param by optional field: {@code null} when a fault installed it (the vm operation {@code fault});
     *     {@value #POPULATE} when the mmap populated the VMA eagerly ({@code remap_pfn_range} style,
     *     before the mmap returned)
     */
    record Faulted(String object, String vma, long pgoff, String by) implements RevokeEvent {
        /** {@code by} of a PFN installed by eager population. */
        public static final String POPULATE = "populate";

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public Faulted {
            requireAll(object, vma);
        }

        /** A PFN installed by a fault. */
        public Faulted(String object, String vma, long pgoff) {
            this(object, vma, pgoff, null);
        }
    }

    /**
     * An operation on the object was refused because the object is revoked (or being revoked), or,
     * with {@code by} {@value #DRIVER}, by a check of the driver's own while the object is live.
     *
     * @param op read, write, poll, ioctl, llseek, mmap, fault, page_mkwrite, access; {@value #OPEN}
     *     for the vm {@code ->open} of a split piece or fork copy of a driver with {@code ->close}
     *     (the piece did not reach the driver and is owed no close)
     * @param result an errno name, {@code SIGBUS}, or poll bits; {@value #NONE} for {@value #OPEN}
     *     ({@code kernfs_vma_open} returns nothing)
     * @param file the file the operation was on, or {@code null} for a vm operation
     * @param vma the VMA the operation was on, or {@code null} for a file operation
     * @param by optional field: {@code null} when the revoke refused it (the guard);
     *     {@value #DRIVER} when the driver's operation refused it (for example a fault on a range the
     *     driver no longer allows)
     * @param expect optional field: the {@code expect} of the scenario line that was running when the refusal
     *     was recorded ({@code ok}, an errno or signal name, a poll mask); {@code null} outside a scenario run
     */
    record AccessRefused(String object, String op, String result, String file, String vma, String by, String expect)
            implements RevokeEvent {
        /** {@code by} of a refusal the driver's own check gave. */
        public static final String DRIVER = "driver";
        /** {@code op} of a refused vm {@code ->open} (a split piece or fork copy made once the revoke began). */
        public static final String OPEN = "open";
        /** {@code result} of a refused {@value #OPEN}: the operation returns nothing. */
        public static final String NONE = "none";

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public AccessRefused {
            requireAll(object, op, result);
            if ((file == null) == (vma == null)) {
                throw new IllegalArgumentException("AccessRefused names exactly one of file and vma");
            }
        }

        /** A refusal by the revoke, without an expectation. */
        public AccessRefused(String object, String op, String result, String file, String vma) {
            this(object, op, result, file, vma, null, null);
        }
    }

    /** Revoke began: the guard is deactivated and every entry that raced it is in the log. */
    record RevokeStarted(String object, String cause) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public RevokeStarted {
            requireAll(object, cause);
        }
    }

    /** Every operation in flight has exited; {@code waited} were in flight when draining began. */
    record RevokeDrained(String object, int waited) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public RevokeDrained {
            requireAll(object);
        }
    }

    /**
     * The object's file range was zapped in its mapping ({@code unmap_mapping_range}).
     *
     * @param vmas VMAs that overlapped the range (of any file sharing the mapping)
     * @param ptes page table entries removed
     * @param mapping extra field: the {@code address_space} id
     * @param first extra field: the first file page of the range
     * @param count extra field: the range's length in pages
     */
    record MappingsZapped(String object, int vmas, long ptes, String mapping, long first, long count)
            implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public MappingsZapped {
            requireAll(object, mapping);
        }
    }

    /** The adapter's release ran for {@code file}; {@code cause} says who ran it. */
    record FileReleased(String object, String file, ReleaseCause cause) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public FileReleased {
            requireAll(object, file, cause);
        }
    }

    /** Revoke finished: nothing of the object reaches the driver any more. */
    record RevokeCompleted(String object) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public RevokeCompleted {
            requireAll(object);
        }
    }

    /** The file's last reference (descriptor or VMA) was dropped. */
    record FileClosed(String object, String file) implements RevokeEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public FileClosed {
            requireAll(object, file);
        }
    }

    /**
     * The device behind the object stopped or resumed decoding its memory without the object being
     * revoked (vfio-pci: a config-space write of PCI_COMMAND's memory bit, or a reset). While it is
     * {@code off}, no PTE of the object may be installed (the auditor's
     * {@code NO_PTE_WHILE_MEMORY_OFF}); the zap that precedes an {@code off} is the object's
     * {@code MappingsZapped} outside a revoke.
     *
     * @param memory {@value #OFF} or {@value #ON}
     * @param cause what toggled it: {@code config-write} or {@code reset}
     */
    record MemoryToggled(String object, String memory, String cause) implements RevokeEvent {
        public static final String OFF = "off";
        public static final String ON = "on";

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.visit(this);
        }

        public MemoryToggled {
            requireAll(object, memory, cause);
            if (!memory.equals(OFF) && !memory.equals(ON)) {
                throw new IllegalArgumentException("memory must be 'off' or 'on', got '" + memory + "'");
            }
        }

        public boolean isOff() {
            return memory.equals(OFF);
        }
    }

    private static void requireAll(Object... fields) {
        for (Object f : fields) {
            Objects.requireNonNull(f, "a required event field is null");
        }
    }
}
