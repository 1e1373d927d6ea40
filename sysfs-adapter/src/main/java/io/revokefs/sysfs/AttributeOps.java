package io.revokefs.sysfs;

import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.PollTable;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * The driver side of a text attribute file: {@code sysfs_kf_seq_show} and {@code sysfs_kf_write}.
 * A read renders {@code ->show} and returns the part from the file position on; a write hands the
 * whole text to {@code ->store}; a poll is {@code kernfs_generic_poll} (see {@link SysfsFile}).
 *
 * <p>A read is {@code seq_read_iter} over a single record ({@code kernfs_seq_start} returns the
 * record only at index 0, as {@code single_open} does): {@code ->show} runs when the read starts at
 * position 0 (which resets the iterator), or at a position other than where the last read ended
 * ({@code traverse}), or when nothing was shown yet; each time {@code kernfs_seq_show} first marks the
 * value seen ({@code of->event}), whatever {@code ->show} then returns. A read going on from where the
 * last one ended copies the rest of the buffer the last {@code ->show} filled, and once it is used up
 * returns end of file without calling {@code ->show}: such a read neither sees a new value nor marks
 * it seen (poll keeps answering POLLERR|POLLPRI until a read from 0). A zero-byte read returns at
 * once. The core wraps these in the file's guard.
 */
final class AttributeOps implements FileOperations {
    private final Attribute attribute;
    private final SysfsFile self;

    AttributeOps(Attribute attribute, SysfsFile self) {
        this.attribute = attribute;
        this.self = self;
    }

    @Override
    public Result<Void> open(OpenFile file) {
        self.opened(file);
        return Result.ok();
    }

    @Override
    public Result<byte[]> read(OpenFile file, int count) {
        if (count <= 0) {
            return Result.ok(new byte[0]); // seq_read_iter: if (!iov_iter_count(iter)) return 0
        }
        SysfsFile.OpenState state = SysfsFile.state(file);
        SysfsFile.SeqBuffer seq = state.seq;
        long pos = file.position();
        if (seq == null || pos == 0 || pos != seq.readPos()) {
            self.shown(file);
            Result<String> shown = attribute.show();
            if (!shown.isOk()) {
                state.seq = null;
                return shown.castErr();
            }
            seq = new SysfsFile.SeqBuffer(shown.value().getBytes(StandardCharsets.UTF_8), pos);
        }
        byte[] all = seq.text();
        int from = (int) Math.min(all.length, pos);
        int to = Math.min(all.length, from + count);
        file.setPosition(to);
        state.seq = new SysfsFile.SeqBuffer(all, to);
        return Result.ok(Arrays.copyOfRange(all, from, to));
    }

    @Override
    public Result<Integer> write(OpenFile file, byte[] data) {
        Result<Void> r = attribute.store(self, new String(data, StandardCharsets.UTF_8));
        return r.isOk() ? Result.ok(data.length) : r.castErr();
    }

    @Override
    public Set<PollBit> poll(OpenFile file, PollTable table) {
        return self.poll(file, table);
    }
}
