package io.revokefs.sysfs;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.conformance.DeviceSubject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The conformance suite on a plain sysfs text attribute ({@code show}/{@code store}, no mmap),
 * revoked by {@link Sysfs#remove} ({@code kernfs_remove}, as {@code device_remove_file} does).
 */
class SysfsAttributeConformanceTest extends ConformanceSuite {
    static final String DIR = "/devices/platform/foo";
    static final String PATH = DIR + "/value";

    private static final String NO_MMAP = "a text attribute has no mmap (kernfs_fop_mmap: ENODEV before and after "
            + "revoke), so there is no mapping to zap";

    static final AdapterFixture FIXTURE = new AdapterFixture() {
        @Override
        public String adapter() {
            return "sysfs-attribute";
        }

        @Override
        public Subject create() {
            InMemoryEventLog log = new InMemoryEventLog();
            Kernel kernel = new Kernel(log);
            Sysfs sysfs = new Sysfs(kernel);
            sysfs.mkdir("/devices/platform");
            sysfs.mkdir(DIR);
            AtomicLong value = new AtomicLong(42);
            SysfsFile file = sysfs.createFile(PATH, 0644, new Attribute() {
                @Override
                public Result<String> show() {
                    return Result.ok(value.get() + "\n");
                }

                @Override
                public Result<Void> store(SysfsFile self, String text) {
                    value.set(text.isEmpty() ? 0 : text.charAt(0));
                    return Result.ok();
                }
            });
            Inode inode = file.inode();
            // By the held inode: the path is ENOENT once removed, the held inode ENODEV (the row). A
            // second remover finds ENOENT; see R22 below. 4 mappable pages: never used, every mmap case
            // is not applicable.
            return new DeviceSubject(log, kernel, file.objectId(), inode, 4, () -> sysfs.remove(PATH, "device_remove_file")) {
                /** The driver's sysfs_notify: the value changed. */
                @Override
                public void interrupt() {
                    value.incrementAndGet();
                    if (!sysfs.sysfsNotify(PATH).isOk()) {
                        throw new AssertionError("sysfs_notify of " + PATH + " before removal failed");
                    }
                }

                /** A sysfs poller waits for POLLPRI (the mask is always readable). */
                @Override
                public Set<PollBit> pollInterest() {
                    return Set.of(PollBit.POLLPRI);
                }

                /** Read the value first: a file not read since open polls as changed. */
                @Override
                public void beforePoll(Process p, OpenFile f) {
                    if (!p.read(f, 64).isOk()) {
                        throw new AssertionError("read of " + PATH + " before the poll failed");
                    }
                }
            };
        }

        @Override
        public ErrnoTable errnos() {
            return SysfsColumn.EXPECTED;
        }

        @Override
        public Map<Case, String> notApplicable() {
            Map<Case, String> m = new HashMap<>();
            for (Case c : new Case[] {Case.ROW_MMAP, Case.ROW_FAULT, Case.R02, Case.R03, Case.R08, Case.R09,
                    Case.R10, Case.R11, Case.R20, Case.R24}) {
                m.put(c, NO_MMAP);
            }
            m.put(Case.R06, "the suite's R06 maps a page before revoke and a text attribute has no mmap; "
                    + "close after revoke without a mapping is covered by R05 (release once, by whichever wins)");
            m.put(Case.R17, "R17 is uio's case: show() returns at once");
            return Map.copyOf(m);
        }
    };

    @Override
    protected AdapterFixture fixture() {
        return FIXTURE;
    }
}
