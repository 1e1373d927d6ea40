package io.revokefs.procfs;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.DeviceSubject;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;

import java.util.Map;

/** The conformance suite on a proc entry ({@code /proc/driver/test}) removed with {@code proc_remove}. */
class ProcEntryConformanceTest extends ConformanceSuite {
    static final String PATH = "/proc/driver/test";
    static final long PAGES = 8;

    /** A kernel with /proc, one entry at {@link #PATH} backed by {@link #PAGES} RAM pages. */
    static final class World {
        final InMemoryEventLog log = new InMemoryEventLog();
        final Kernel kernel = new Kernel(log);
        final ProcFs procfs = new ProcFs(kernel);
        final TestProcOps ops;
        final ProcEntry entry;

        World() {
            long base = kernel.physicalMemory().findFree(PAGES, 0x1000);
            kernel.physicalMemory().addRam(base, PAGES);
            ops = new TestProcOps(base, PAGES);
            procfs.procMkdir("/proc/driver");
            entry = procfs.procCreate(PATH, 0644, ops, null);
            ops.attach(entry);
        }
    }

    static final AdapterFixture FIXTURE = new AdapterFixture() {
        @Override
        public String adapter() {
            return "procfs";
        }

        @Override
        public Subject create() {
            World w = new World();
            return new DeviceSubject(w.log, w.kernel, "procfs:" + PATH, w.entry.inode(), PAGES,
                    () -> w.procfs.procRemove(w.entry)) {
                /** By path, as userspace opens a proc entry: ENOENT once it is removed. */
                @Override
                public Result<OpenFile> open(Process p) {
                    return p.open(PATH, false);
                }

                @Override
                public void interrupt() {
                    w.ops.event();
                }
            };
        }

        @Override
        public ErrnoTable errnos() {
            return ProcfsColumn.EXPECTED;
        }

        @Override
        public Map<Case, String> notApplicable() {
            return Map.of(Case.R17, "R17 is uio's case: a proc entry's read here returns at once");
        }
    };

    @Override
    protected AdapterFixture fixture() {
        return FIXTURE;
    }
}
