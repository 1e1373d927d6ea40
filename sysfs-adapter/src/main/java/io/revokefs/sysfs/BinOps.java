package io.revokefs.sysfs;

import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PollTable;
import io.revokefs.kernel.Vma;

import java.util.Set;

/**
 * The driver side of a binary attribute file: {@code sysfs_bin_kfops_mmap}. The open installs the
 * attribute's {@code f_mapping} ({@code sysfs_kf_bin_open}); the rest forwards. A poll is
 * {@code kernfs_generic_poll} as for text attributes, and a binary read marks the value seen as a
 * text one does: {@code kernfs_file_read_iter} sets {@code of->event} once it holds the active
 * reference and before it calls {@code ->read}, so even a read that {@code sysfs_kf_bin_read} then
 * fails (EIO for a memory BAR's {@code resourceN}, which has no {@code ->read}) makes later polls
 * quiet until the next {@code sysfs_notify}. The core wraps these in the file's guard and checks the
 * vm_ops the attribute's mmap installs.
 */
final class BinOps implements FileOperations {
    private final BinAttribute attribute;
    private final SysfsFile self;

    BinOps(BinAttribute attribute, SysfsFile self) {
        this.attribute = attribute;
        this.self = self;
    }

    @Override
    public Result<Void> open(OpenFile file) {
        self.opened(file);
        AddressSpace m = attribute.fMapping();
        if (m != null) {
            file.setMapping(m);
        }
        return Result.ok();
    }

    /** {@code kernfs_file_read_iter}: {@code of->event} first, then {@code sysfs_kf_bin_read}. */
    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        self.shown(file);
        return attribute.read(file, count);
    }

    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        return attribute.write(file, data);
    }

    @Override
    public boolean hasMmap() {
        return attribute.hasMmap();
    }

    @Override
    public Result<Void> mmap(OpenFile file, Vma vma) {
        return attribute.mmap(file, vma);
    }

    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        return self.poll(file, table);
    }
}
