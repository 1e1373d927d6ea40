package io.revokefs.sysfs;

import io.revokefs.core.PollBit;
import io.revokefs.core.Result;
import io.revokefs.core.kernel.FileOperations;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PollTable;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * The driver side of a text attribute file: {@code sysfs_kf_seq_show} and {@code sysfs_kf_write}.
 * A read renders {@code ->show} and returns the part from the file position on; a write hands the
 * whole text to {@code ->store}; a poll is {@code kernfs_generic_poll} (see {@link SysfsFile}), and a
 * read marks the value seen before {@code ->show} runs, whatever it returns, as {@code kernfs_seq_show}
 * sets {@code of->event} before {@code ->seq_show}. Every read renders here; in Linux
 * {@code seq_read_iter} calls {@code ->show} only when it refills its buffer from the start
 * ({@code single_start} returns NULL past index 0), so the read that returns end of file does not
 * mark the value seen there. The core wraps these in the file's guard.
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
        self.shown(file);
        Result<String> shown = attribute.show();
        if (!shown.isOk()) {
            return shown.castErr();
        }
        byte[] all = shown.value().getBytes(StandardCharsets.UTF_8);
        int from = (int) Math.min(all.length, file.position());
        int to = Math.min(all.length, from + Math.max(0, count));
        file.setPosition(to);
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
