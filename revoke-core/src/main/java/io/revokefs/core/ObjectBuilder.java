package io.revokefs.core;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.kernel.internal.KernelAccess;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.Tracepoints;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Describes a {@link RevocableObject} ({@link RevocableObject#builder}): the driver's operations
 * and the adapter's errno table (both required), and optionally the object's own mapping and the
 * range(s) its revoke zaps. {@link #register()} makes the object and records
 * {@code ObjectRegistered}. Not thread-safe; use from one thread, once.
 */
public final class ObjectBuilder {
    private final Kernel kernel;
    private final String id;
    private final String adapter;
    private Function<RevocableObject, FileOperations> driver;
    private ErrnoTable errnos;
    private AddressSpace mapping;
    private Supplier<List<RevocableObject.ZapRange>> zapRanges;
    private boolean refuseVmClose;

    ObjectBuilder(Kernel kernel, String id, String adapter) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.id = Objects.requireNonNull(id, "id");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
    }

    /** The driver's file operations (required, this or {@link #operations(Function)}). */
    public ObjectBuilder operations(FileOperations driver) {
        Objects.requireNonNull(driver, "operations");
        this.driver = o -> driver;
        return this;
    }

    /**
     * The driver's file operations, made from the object as {@link #register()} creates it, so that
     * the driver can take its wait queues ({@link RevocableObject#newWaitQueue}) and mapping in its
     * constructor, with final fields and no attach step:
     * <pre>{@code
     * RevocableObject o = RevocableObject.builder(kernel, id, "mydev")
     *         .operations(obj -> new MyDriver(obj.newWaitQueue("wait")))
     *         .errnos(ErrnoTable.CDEV).register();
     * }</pre>
     * The function runs once, inside {@link #register()}, before {@code ObjectRegistered} is recorded;
     * it must not open, map or revoke the object.
     */
    public ObjectBuilder operations(Function<RevocableObject, FileOperations> driverOf) {
        this.driver = Objects.requireNonNull(driverOf, "operations");
        return this;
    }

    /** What operations return after revoke (required). */
    public ObjectBuilder errnos(ErrnoTable errnos) {
        this.errnos = errnos;
        return this;
    }

    /** The object's own mapping, for inodes to use as {@code i_mapping}; a fresh one by default. */
    public ObjectBuilder mapping(AddressSpace mapping) {
        this.mapping = mapping;
        return this;
    }

    /**
     * The range revoke zaps, looked up at revoke time; null from the supplier means nothing can be
     * mapped yet. By default the whole of the object's own mapping.
     */
    public ObjectBuilder zapRange(Supplier<RevocableObject.ZapRange> zapRange) {
        Objects.requireNonNull(zapRange, "zapRange");
        this.zapRanges = () -> {
            RevocableObject.ZapRange z = zapRange.get();
            return z == null ? List.of() : List.of(z);
        };
        return this;
    }

    /**
     * Several disjoint ranges, for an object backed by more than one physical range (a PCI function
     * with several BARs, as {@code /proc/bus/pci/BB/DD.F} is). Looked up at revoke time; revoke
     * zaps each in order and records one {@code MappingsZapped} per range (an empty list records
     * one empty zap, as a null {@link #zapRange} does).
     */
    public ObjectBuilder zapRanges(Supplier<List<RevocableObject.ZapRange>> zapRanges) {
        this.zapRanges = Objects.requireNonNull(zapRanges, "zapRanges");
        return this;
    }

    /**
     * kernfs's behaviour: refuse (EINVAL at mmap) a driver whose vm_ops has {@code ->close}, as
     * {@code kernfs_fop_mmap} does. By default such drivers are accepted and their close runs exactly
     * once per VMA piece, at unmap or at revoke (docs/semantics.md section 9).
     */
    public ObjectBuilder refuseVmClose() {
        this.refuseVmClose = true;
        return this;
    }

    public RevocableObject register() {
        if (driver == null || errnos == null) {
            throw new IllegalStateException("object " + id + ": operations and errnos are required");
        }
        RevocableObject o = new RevocableObject(kernel, id, adapter, driver, errnos, mapping, zapRanges, refuseVmClose);
        KernelAccess.addObject(kernel, o);
        o.record(new RevokeEvent.ObjectRegistered(id, adapter));
        return o;
    }

    /** The run's event recorder: what {@code kernel} was built with. */
    static EventRecorder recorderOf(Kernel kernel) {
        Tracepoints t = KernelAccess.tracepoints(kernel);
        if (!(t instanceof EventRecorder)) {
            throw new IllegalStateException("the kernel reports to " + t.getClass().getName()
                    + ", not to an EventRecorder: revocable objects need one");
        }
        return (EventRecorder) t;
    }
}
