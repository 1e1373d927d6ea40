package io.revokefs.sysfs;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Vma;

/**
 * A sysfs binary attribute ({@code struct bin_attribute}): raw read and write, and optionally mmap.
 * Every method runs inside the file's guard (see {@link Attribute}).
 */
public interface BinAttribute {

    /** {@code ->read}; without it EIO, as {@code sysfs_kf_bin_read}. */
    default Result<byte[]> read(OpenFile file, int count) {
        return Result.err(Errno.EIO);
    }

    /** {@code ->write}; without it EIO, as {@code sysfs_kf_bin_write}. */
    default Result<Integer> write(OpenFile file, byte[] data) {
        return Result.err(Errno.EIO);
    }

    /** Whether the attribute has {@code ->mmap}; an mmap of one without is ENODEV ({@code kernfs_fop_mmap}). */
    default boolean hasMmap() {
        return false;
    }

    /** {@code ->mmap}, before the VMA is linked into the file's mapping. */
    default Result<Void> mmap(OpenFile file, Vma vma) {
        return Result.err(Errno.ENODEV);
    }

    /**
     * {@code battr->f_mapping()}: the mapping every open of the file uses instead of the inode's own,
     * asked at each open ({@code sysfs_kf_bin_open}); {@code null} keeps the inode's.
     */
    default AddressSpace fMapping() {
        return null;
    }
}
