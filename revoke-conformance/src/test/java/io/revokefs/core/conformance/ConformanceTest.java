package io.revokefs.core.conformance;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Errno;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Nested;

import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/** The conformance suite on the core's own test adapter ({@link Sim} and its TestDriver, kernfs column). */
class ConformanceTest extends ConformanceSuite {

    /** The core's test adapter as a fixture; usable by any module through the test-jar. */
    static final AdapterFixture CORE_TEST = core(false);

    /** The test adapter, its driver's vm_ops with a counting {@code ->close} if {@code vmClose}. */
    static AdapterFixture core(boolean vmClose) {
        return new AdapterFixture() {
            @Override
            public String adapter() {
                return vmClose ? "core-test (vm close)" : "core-test";
            }

            @Override
            public Subject create() {
                Sim sim = new Sim();
                sim.driver().setVmClose(vmClose);
                return new DeviceSubject(sim.log(), sim.kernel(), Sim.OBJECT, sim.inode(), Sim.PAGES,
                        () -> sim.object().revoke("hot-unplug")) {
                    @Override
                    public int ioctlCommand() {
                        return 1;
                    }

                    @Override
                    public void interrupt() {
                        sim.driver().interrupt();
                    }

                    @Override
                    public Optional<LongSupplier> vmCloses() {
                        return vmClose ? Optional.of(() -> sim.driver().totalVmCloses()) : Optional.empty();
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
    }

    @Override
    protected AdapterFixture fixture() {
        return CORE_TEST;
    }

    /** The suite again with a driver that closes its VMAs (R25-R27; R09, R10, R24 count the closes). */
    @Nested
    class WithVmClose extends ConformanceSuite {
        @Override
        protected AdapterFixture fixture() {
            return core(true);
        }
    }
}
