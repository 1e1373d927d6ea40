package io.revokefs.sysfs;

import io.revokefs.core.PollBit;
import io.revokefs.core.Result;
import io.revokefs.core.kernel.AddressSpace;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PollTable;
import io.revokefs.core.kernel.Vma;

import java.util.Set;

/**
 * The driver side of a binary attribute file: {@code sysfs_bin_kfops_mmap}. The open installs the
 * attribute's {@code f_mapping} ({@code sysfs_kf_bin_open}); the rest forwards. A poll is
 * {@code kernfs_generic_poll} as for text attributes, but a binary read is not a {@code seq_show} and
 * never marks the value seen, so a binary attribute always polls as changed ({@code POLLERR|POLLPRI}),
 * as in Linux. The core wraps these in the file's guard and checks the vm_ops the attribute's mmap
 * installs.
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

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
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
