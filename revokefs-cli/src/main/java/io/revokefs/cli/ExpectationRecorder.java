package io.revokefs.cli;

import io.revokefs.core.event.EventRecorder;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

/**
 * The recorder of a scenario run: passes every event to {@code target}, and writes into each refusal
 * ({@code OpenRefused}, {@code MmapRefused}, {@code AccessRefused}) the {@code expect} of the line
 * running when it was recorded, so that the report can tell refusals the scenario expected from the
 * others. The runner sets the line's expectation before it runs the line ({@link #expect}), on the
 * thread that runs it: the lines of a block run together, each on its own thread, and each line's
 * refusals carry its own expectation.
 *
 * <p>An event recorded on a thread that runs no line (an async operation's) carries the expectation
 * of the line set last, not of its {@code wait} line.
 */
final class ExpectationRecorder implements EventRecorder, Visitor<RevokeEvent> {
    private final EventRecorder target;
    private final ThreadLocal<String> expectOfThread = new ThreadLocal<>();
    private volatile String lastExpect;
    /** The expectation of the event being recorded on this thread, for the visit methods. */
    private final ThreadLocal<String> current = new ThreadLocal<>();

    ExpectationRecorder(EventRecorder target) {
        this.target = target;
    }

    /** The expectation of the line about to run on this thread ({@code ok} when it has none). */
    void expect(String expect) {
        expectOfThread.set(expect);
        lastExpect = expect;
    }

    @Override
    public long record(RevokeEvent event) {
        String expect = expectOfThread.get();
        if (expect == null) {
            expect = lastExpect;
        }
        if (expect == null) {
            return target.record(event);
        }
        current.set(expect);
        try {
            return target.record(event.accept(this));
        } finally {
            current.remove();
        }
    }

    @Override
    public RevokeEvent visit(OpenRefused r) {
        return new OpenRefused(r.object(), r.file(), r.pid(), r.errno(), current.get());
    }

    @Override
    public RevokeEvent visit(MmapRefused r) {
        return new MmapRefused(r.object(), r.file(), r.vma(), r.pid(), r.pgoff(), r.pages(), r.errno(), r.reason(), current.get());
    }

    @Override
    public RevokeEvent visit(AccessRefused r) {
        return new AccessRefused(r.object(), r.op(), r.result(), r.file(), r.vma(), r.by(), current.get());
    }

    // Events other than refusals are recorded as they are.

    @Override
    public RevokeEvent visit(ObjectRegistered e) {
        return e;
    }

    @Override
    public RevokeEvent visit(FileOpened e) {
        return e;
    }

    @Override
    public RevokeEvent visit(Mmapped e) {
        return e;
    }

    @Override
    public RevokeEvent visit(VmaDuplicated e) {
        return e;
    }

    @Override
    public RevokeEvent visit(VmaUnmapped e) {
        return e;
    }

    @Override
    public RevokeEvent visit(VmaClosed e) {
        return e;
    }

    @Override
    public RevokeEvent visit(MemoryToggled e) {
        return e;
    }

    @Override
    public RevokeEvent visit(Faulted e) {
        return e;
    }

    @Override
    public RevokeEvent visit(RevokeStarted e) {
        return e;
    }

    @Override
    public RevokeEvent visit(RevokeDrained e) {
        return e;
    }

    @Override
    public RevokeEvent visit(MappingsZapped e) {
        return e;
    }

    @Override
    public RevokeEvent visit(FileReleased e) {
        return e;
    }

    @Override
    public RevokeEvent visit(RevokeCompleted e) {
        return e;
    }

    @Override
    public RevokeEvent visit(FileClosed e) {
        return e;
    }
}
