package io.revokefs.history;

import io.revokefs.kernel.Errno;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An endless, clean event stream for volume tests: {@code objects} sysfs objects, interleaved round
 * robin, each living short lives of {@value #EVENTS_PER_LIFE} events (open two files, mmap, fault,
 * fork, partial munmap, a refused open, close one file, revoke, unmap, close the other). File and
 * VMA ids are never reused. At most {@code objects} lives are in flight, so an auditor's live state
 * stays bounded however long the stream.
 */
final class LifeCycles implements Iterator<RevokeEvent> {
    static final int EVENTS_PER_LIFE = 21;

    private final ArrayDeque<RevokeEvent>[] pending;
    private int next;
    private long ids;

    @SuppressWarnings("unchecked")
    LifeCycles(int objects) {
        pending = new ArrayDeque[objects];
        for (int i = 0; i < objects; i++) {
            pending[i] = new ArrayDeque<>();
        }
    }

    @Override
    public boolean hasNext() {
        return true;
    }

    @Override
    public RevokeEvent next() {
        int i = next;
        next = (next + 1) % pending.length;
        if (pending[i].isEmpty()) {
            pending[i].addAll(life("sysfs:/devices/pci0000:00/0000:00:" + i + ".0/resource0", 1000 + i));
        }
        RevokeEvent e = pending[i].poll();
        if (e == null) {
            throw new NoSuchElementException();
        }
        return e;
    }

    private List<RevokeEvent> life(String o, int pid) {
        String f1 = "file-" + (++ids);
        String f2 = "file-" + (++ids);
        String f3 = "file-" + (++ids);
        String v1 = "vma-" + (++ids);
        String v2 = "vma-" + (++ids);
        return List.of(
                new ObjectRegistered(o, "sysfs"),
                new FileOpened(o, f1, pid),
                new FileOpened(o, f2, pid),
                new Mmapped(o, f1, v1, pid, 0, 8, o, 0),
                new Faulted(o, v1, 0),
                new Faulted(o, v1, 3),
                new VmaDuplicated(o, v2, v1, pid + 1, 1),
                new VmaUnmapped(o, v1, 6, 2),
                new OpenRefused(o, f3, pid, Errno.EBUSY),
                new FileReleased(o, f2, ReleaseCause.CLOSE),
                new FileClosed(o, f2),
                new RevokeStarted(o, "hot-unplug"),
                new AccessRefused(o, "read", "ENODEV", f1, null),
                new RevokeDrained(o, 0),
                new MappingsZapped(o, 2, 3, o, 0, 8),
                new FileReleased(o, f1, ReleaseCause.REVOKE),
                new RevokeCompleted(o),
                new AccessRefused(o, "fault", "SIGBUS", null, v2),
                new VmaUnmapped(o, v1, 0, 6),
                new VmaUnmapped(o, v2, 0, 8),
                new FileClosed(o, f1));
    }
}
