package io.revokefs.core.conformance;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;

import java.util.Map;

/** The conformance suite on the core's own test adapter ({@link Sim} and its TestDriver, kernfs column). */
class ConformanceTest extends ConformanceSuite {

    /** The core's test adapter as a fixture; usable by any module through the test-jar. */
    static final AdapterFixture CORE_TEST = new AdapterFixture() {
        @Override
        public String adapter() {
            return "core-test";
        }

        @Override
        public Subject create() {
            Sim sim = new Sim();
            return new Subject() {
                @Override
                public Kernel kernel() {
                    return sim.kernel();
                }

                @Override
                public InMemoryEventLog log() {
                    return sim.log();
                }

                @Override
                public String objectId() {
                    return Sim.OBJECT;
                }

                @Override
                public Result<OpenFile> open(Process p) {
                    return p.open(sim.inode(), false);
                }

                @Override
                public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
                    return p.mmap(f, pages, offset, true);
                }

                @Override
                public long mapOffset() {
                    return 0;
                }

                @Override
                public long mappablePages() {
                    return Sim.PAGES;
                }

                @Override
                public void revoke() {
                    sim.object().revoke("hot-unplug");
                }

                @Override
                public int ioctlCommand() {
                    return 1;
                }

                @Override
                public void interrupt() {
                    sim.driver().interrupt();
                }
            };
        }

        @Override
        public ErrnoTable errnos() {
            return ErrnoTable.builder()
                    .open(Errno.ENODEV)    // kernfs_fop_open, kernfs_get_active fails
                    .read(Errno.ENODEV)    // kernfs_file_read_iter / kernfs_seq_start
                    .write(Errno.ENODEV)   // kernfs_fop_write_iter
                    .poll(PollBit.POLLIN, PollBit.POLLRDNORM, PollBit.POLLOUT, PollBit.POLLWRNORM,
                            PollBit.POLLERR, PollBit.POLLPRI) // kernfs_fop_poll: DEFAULT_POLLMASK|EPOLLERR|EPOLLPRI
                    .ioctl(Errno.ENOTTY)   // kernfs_file_fops has no unlocked_ioctl (vfs_ioctl), before and after
                    .llseek(Errno.ENODEV)  // kernfs_fop_llseek
                    .mmap(Errno.ENODEV)    // kernfs_fop_mmap
                    .access(Errno.EINVAL)  // vm access op: kernfs_vma_access (PTRACE_PEEKDATA, /proc/pid/mem then see EIO)
                    .build();
        }

        @Override
        public Map<Case, String> notApplicable() {
            return Map.of(Case.R17, "R17 is uio's case; the test driver's reads return at once in this suite "
                    + "(its blocking mode is exercised by the core's own tests)");
        }
    };

    @Override
    protected AdapterFixture fixture() {
        return CORE_TEST;
    }
}
