package io.revokefs.history;

import io.revokefs.kernel.Errno;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

import java.util.ArrayList;
import java.util.List;

/** Hand-written, realistic event sequences: what a correct simulation run records. */
final class Logs {
    static final String RES0 = "sysfs:/devices/pci0000:00/0000:00:02.0/resource0";
    static final String MEM = "devmem:/dev/mem";
    static final String UIO = "uio:/dev/uio0";
    static final String IOMEM = "iomem";

    private Logs() {
    }

    /** Numbers events from seq 1, t = 100 * seq. */
    static List<RecordedEvent> numbered(List<? extends RevokeEvent> events) {
        List<RecordedEvent> out = new ArrayList<>();
        long seq = 1;
        for (RevokeEvent e : events) {
            out.add(new RecordedEvent(seq, seq * 100, e));
            seq++;
        }
        return out;
    }

    /**
     * A sysfs resource file and /dev/mem alias the same BAR through the iomem mapping; p1 maps the
     * resource, faults two pages, forks, unmaps a page; /dev/mem maps the same range; a refused
     * open; then hot-unplug revokes the resource (zapping the iomem range, which also clears the
     * /dev/mem VMA's pages), releases the open file, and the file is closed afterwards.
     */
    static List<RevokeEvent> cleanRun() {
        return List.of(
                new ObjectRegistered(RES0, "sysfs"),
                new ObjectRegistered(MEM, "devmem"),
                new FileOpened(RES0, "file-1", 100),
                new Mmapped(RES0, "file-1", "vma-1", 100, 0x80, 4, IOMEM, 0),
                new Faulted(RES0, "vma-1", 0x80),
                new Faulted(RES0, "vma-1", 0x81),
                new VmaDuplicated(RES0, "vma-2", "vma-1", 101, 1),
                new VmaUnmapped(RES0, "vma-1", 0x83, 1),
                new FileOpened(MEM, "file-2", 100),
                new Mmapped(MEM, "file-2", "vma-3", 100, 0x80, 2, IOMEM, 2),
                new OpenRefused(RES0, "file-3", 102, Errno.EACCES),
                new MmapRefused(RES0, "file-1", "vma-4", 100, 0x80, 1, Errno.EINVAL, "vm_ops has close"),
                new RevokeStarted(RES0, "hot-unplug"),
                new AccessRefused(RES0, "read", "ENODEV", "file-1", null),
                new RevokeDrained(RES0, 1),
                new MappingsZapped(RES0, 3, 4, IOMEM, 0x80, 4),
                new FileReleased(RES0, "file-1", ReleaseCause.REVOKE),
                new RevokeCompleted(RES0),
                new AccessRefused(RES0, "fault", "SIGBUS", null, "vma-2"),
                new VmaUnmapped(RES0, "vma-2", 0x80, 4),
                new VmaUnmapped(RES0, "vma-1", 0x80, 3),
                new FileClosed(RES0, "file-1"),
                new ObjectRegistered(RES0, "sysfs"),
                new FileOpened(RES0, "file-5", 100),
                new FileReleased(RES0, "file-5", ReleaseCause.CLOSE),
                new FileClosed(RES0, "file-5"));
    }

    /**
     * {@link #cleanRun()} and then a life of an object whose driver has a vm close (docs/semantics.md
     * section 9): one VMA closed at its munmap, one at the revoke. Every event type appears.
     */
    static List<RevokeEvent> everyType() {
        List<RevokeEvent> all = new java.util.ArrayList<>(cleanRun());
        String obj = "test:/dev/closing0";
        all.addAll(List.of(
                new ObjectRegistered(obj, "test"),
                new FileOpened(obj, "file-9", 100),
                new Mmapped(obj, "file-9", "vma-9", 100, 0, 2, "test:/dev/closing0", 0),
                new Mmapped(obj, "file-9", "vma-10", 100, 2, 1, "test:/dev/closing0", 0),
                new VmaClosed(obj, "vma-9", 0, 2, VmaClosed.Cause.UNMAP),
                new VmaUnmapped(obj, "vma-9", 0, 2),
                new RevokeStarted(obj, "test"),
                new RevokeDrained(obj, 0),
                new MappingsZapped(obj, 1, 0, "test:/dev/closing0", 0, Long.MAX_VALUE),
                new VmaClosed(obj, "vma-10", 2, 1, VmaClosed.Cause.REVOKE),
                new FileReleased(obj, "file-9", ReleaseCause.REVOKE),
                new RevokeCompleted(obj),
                // vfio-style: memory off and back on, nothing installed in between.
                new MemoryToggled(RES0, MemoryToggled.OFF, "config-write"),
                new MemoryToggled(RES0, MemoryToggled.ON, "config-write")));
        return all;
    }

    /** A uio device: open, eager-populated mmap, a blocked read woken by unregister. */
    static List<RevokeEvent> uioRun() {
        return List.of(
                new ObjectRegistered(UIO, "uio"),
                new FileOpened(UIO, "file-1", 7),
                new Mmapped(UIO, "file-1", "vma-1", 7, 0, 4, "uio0", 4),
                new RevokeStarted(UIO, "unregister"),
                new RevokeDrained(UIO, 1),
                new MappingsZapped(UIO, 1, 4, "uio0", 0, 4),
                new FileReleased(UIO, "file-1", ReleaseCause.REVOKE),
                new RevokeCompleted(UIO),
                new FileClosed(UIO, "file-1"));
    }
}
