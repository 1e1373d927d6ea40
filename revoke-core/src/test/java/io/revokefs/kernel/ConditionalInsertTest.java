package io.revokefs.kernel;

import io.revokefs.kernel.FaultResult;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.core.event.InMemoryEventLog;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link VmFault#insertPfnIf} and {@link Mm#remapPfnRangeIf}: the condition is read under the page
 * table lock, and nothing is installed when it is false.
 */
class ConditionalInsertTest {
    private static final long PFN = 0x90000;

    /** A raw driver (no revocable wrapper) whose population obeys one flag. */
    private static final class FlagDriver implements FileOperations {
        final AtomicBoolean allowed = new AtomicBoolean(true);
        final boolean eager;

        FlagDriver(boolean eager) {
            this.eager = eager;
        }

        @Override
        public boolean hasMmap() {
            return true;
        }

        @Override
        public Result<Void> mmap(OpenFile file, Vma vma) {
            vma.addFlags(VmaFlag.PFNMAP, VmaFlag.IO);
            vma.setVmOps(new VmOperations() {
                @Override
                public FaultResult fault(VmFault vmf) {
                    return vmf.insertPfnIf(PFN + vmf.pgoff(), allowed::get);
                }

                @Override
                public long mapped(Vma v) {
                    return eager ? v.mm().remapPfnRangeIf(v, 0, PFN + v.pgoff(), v.pages(), allowed::get) : 0;
                }
            });
            return Result.ok();
        }
    }

    private static Vma map(Kernel k, Process p, FlagDriver d, long pages) {
        Inode inode = k.newInode("/dev/flag", 0600, 0, d, k.newAddressSpace("flag"), null);
        OpenFile f = p.open(inode, false).value();
        return p.mmap(f, pages, 0, true).value();
    }

    @Test
    void insertPfnIfInstallsOnlyWhileTheConditionHolds() {
        Kernel k = new Kernel(new InMemoryEventLog());
        k.physicalMemory().addMmio(PFN, 4, "flag");
        Process p = k.newProcess(0);
        FlagDriver d = new FlagDriver(false);
        Vma v = map(k, p, d, 2);

        assertThat(p.load(v.start()).isOk()).isTrue();
        d.allowed.set(false);
        assertThat(p.load(v.start() + Kernel.PAGE_SIZE).signal()).isEqualTo(Signal.SIGBUS);
        assertThat(p.mm().populatedPages(v)).isEqualTo(1);
    }

    @Test
    void remapPfnRangeIfInstallsNothingWhenTheConditionIsFalse() {
        Kernel k = new Kernel(new InMemoryEventLog());
        k.physicalMemory().addMmio(PFN, 4, "flag");
        Process p = k.newProcess(0);
        FlagDriver d = new FlagDriver(true);
        Vma populated = map(k, p, d, 2);
        d.allowed.set(false);
        Vma empty = map(k, p, d, 2);

        assertThat(p.mm().populatedPages(populated)).isEqualTo(2);
        assertThat(p.mm().populatedPages(empty)).isZero();
    }
}
