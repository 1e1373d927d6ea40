package io.revokefs.devmem;

import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.PollBit;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.Result;
import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;

import java.util.HashMap;
import java.util.Map;

/**
 * The conformance suite on /dev/mem, where "revoke" is what Linux does to /dev/mem: {@code revoke_iomem}
 * of a region a driver claims ({@code __request_region}, here {@code Iomem.requestRegion}) over the
 * device BAR the test maps. /dev/mem itself is never revoked: the object has no revoke life, only
 * its PTEs in the claimed range go, and new mmaps over the claim are refused (EPERM,
 * {@code range_is_allowed}). So only the cases about mappings apply; the section 4 file rows, the
 * release cases and R22 do not (reasons below). Three mapping cases the suite cannot state for a
 * claim (it counts the zap from the object's own {@code MappingsZapped}, and expects R20's
 * refusal from the guard) are checked under the same names in {@link DevMemConformanceTest}.
 */
class DevMemClaimConformanceTest extends ConformanceSuite {
    static final long RAM_PAGES = 0x100;
    static final long BAR_PFN = 0x80000;
    static final long BAR_PAGES = 16;

    /**
     * /dev/mem's answers after a claim: mmap over the claim EPERM ({@code mmap_mem}), ptrace access to
     * a zapped page EINVAL ({@code generic_access_phys}: {@code follow_pte} finds nothing). The other
     * fields are never consulted: their rows are not applicable (the builder requires values).
     */
    static final ErrnoTable CLAIM_ERRNOS = ErrnoTable.builder()
            .open(Errno.ENODEV).read(Errno.ENODEV).write(Errno.ENODEV) // never consulted (rows not applicable)
            .poll(PollBit.POLLERR)                                      // never consulted
            .ioctlUnguarded().llseekUnguarded()                         // never consulted
            .mmap(Errno.EPERM)     // mmap over the claim: mmap_mem, range_is_allowed
            .access(Errno.EINVAL)  // vm access op: generic_access_phys, follow_pte finds nothing
            .build();

    /** One world: 256 pages of RAM, a 16-page device BAR at {@link #BAR_PFN}, /dev/mem. */
    static final class World {
        final InMemoryEventLog log = new InMemoryEventLog();
        final Kernel kernel = new Kernel(log);
        final DevMem devmem;

        World(PfnMapping.Populate populate) {
            kernel.physicalMemory().addRam(0, RAM_PAGES);
            kernel.iomem().insert("System RAM", 0, RAM_PAGES);
            kernel.physicalMemory().addMmio(BAR_PFN, BAR_PAGES, "0000:00:02.0 BAR0");
            kernel.iomem().insert("0000:00:02.0 BAR0", BAR_PFN, BAR_PAGES);
            devmem = DevMem.register(kernel, populate);
        }

        /** The driver claims the whole BAR ({@code pci_request_region}); EBUSY the second time. */
        Result<?> claim() {
            return kernel.iomem().requestRegion("driver BAR0", BAR_PFN, BAR_PAGES, false);
        }
    }

    private static final String NOT_REVOKED = "a claim does not revoke /dev/mem: ";
    private static final String IN_DEDICATED = "not expressible in the suite for a claim (%s); checked under the same "
            + "name in DevMemConformanceTest";

    static AdapterFixture fixture(PfnMapping.Populate populate) {
        return new AdapterFixture() {
            @Override
            public String adapter() {
                return "devmem";
            }

            @Override
            public Subject create() {
                World w = new World(populate);
                return new Subject() {
                    @Override
                    public Kernel kernel() {
                        return w.kernel;
                    }

                    @Override
                    public InMemoryEventLog log() {
                        return w.log;
                    }

                    @Override
                    public String objectId() {
                        return DevMem.OBJECT_ID;
                    }

                    @Override
                    public Result<OpenFile> open(Process p) {
                        return p.open(DevMem.PATH, false);
                    }

                    @Override
                    public Result<Vma> mmap(Process p, OpenFile f, long pages, long offset) {
                        return p.mmap(f, pages, offset, true);
                    }

                    @Override
                    public long mapOffset() {
                        return BAR_PFN; // a physical page, as mmap_mem takes vm_pgoff
                    }

                    @Override
                    public long mappablePages() {
                        return BAR_PAGES;
                    }

                    @Override
                    public void revoke() {
                        w.claim(); // revoke_iomem; a second claim is EBUSY and zaps nothing
                    }
                };
            }

            @Override
            public ErrnoTable errnos() {
                return CLAIM_ERRNOS;
            }

            @Override
            public Map<Case, String> notApplicable() {
                return NOT_APPLICABLE;
            }
        };
    }

    static final Map<Case, String> NOT_APPLICABLE;

    static {
        Map<Case, String> m = new HashMap<>();
        m.put(Case.ROW_OPEN, NOT_REVOKED + "open_port checks only CAP_SYS_RAWIO, so an open after a claim "
                + "succeeds (DevMemConformanceTest.fileOperationsAreUnaffectedByAClaim)");
        m.put(Case.ROW_READ_WRITE, NOT_REVOKED + "read and write of /dev/mem (read_mem/write_mem) are not modelled; "
                + "no file operation is refused after a claim");
        m.put(Case.ROW_POLL, NOT_REVOKED + "no poll (mem_fops has none); nothing changes at a claim");
        m.put(Case.ROW_IOCTL, NOT_REVOKED + "no ioctl (mem_fops has none); nothing changes at a claim");
        m.put(Case.ROW_LLSEEK, NOT_REVOKED + "memory_lseek is not modelled; nothing changes at a claim");
        m.put(Case.ROW_FAULT, String.format(IN_DEDICATED, "the suite counts the zap from the object's own "
                + "MappingsZapped; a claim's zap is recorded under the object 'iomem'"));
        m.put(Case.R01, NOT_REVOKED + "there is no drain of operations in flight (and no read); a claim only zaps");
        m.put(Case.R02, NOT_REVOKED + "there is no RevokeStarted for a fault to precede; a fault racing a claim "
                + "re-checks the page under the page table lock (VmFault.insertPfnIf) or its PTE is zapped "
                + "(DevMemConformanceTest.R02_faultRacingAClaimLeavesNoPteInTheClaimedRange)");
        m.put(Case.R05, NOT_REVOKED + "a claim does not release /dev/mem files: release runs only at close");
        m.put(Case.R06, NOT_REVOKED + "a claim does not release /dev/mem files: the one release is the close's");
        m.put(Case.R10, String.format(IN_DEDICATED, "the suite counts the zapped VMAs and PTEs from the object's own "
                + "MappingsZapped; a claim's zap is recorded under the object 'iomem'"));
        m.put(Case.R17, "R17 is uio's case: /dev/mem has no read that waits for an event");
        m.put(Case.R19, "no poll in mem_fops: nothing sleeps");
        m.put(Case.R20, String.format(IN_DEDICATED, "the suite expects the guard's AccessRefused event; after a claim "
                + "the object is live, ->access is generic_access_phys itself, which returns EINVAL once the PTE is "
                + "gone and records nothing"));
        m.put(Case.R22, NOT_REVOKED + "there is no revoke life; a second claim of the busy region is EBUSY from "
                + "__request_region and zaps nothing (DevMemConformanceTest.R22_aSecondClaimIsEbusyAndZapsNothing)");
        NOT_APPLICABLE = Map.copyOf(m);
    }

    @Override
    protected AdapterFixture fixture() {
        return fixture(PfnMapping.Populate.ON_FAULT);
    }

    /** The same cases with the eager strategy (populated right after link). */
    static class AfterLink extends ConformanceSuite {
        @Override
        protected AdapterFixture fixture() {
            return DevMemClaimConformanceTest.fixture(PfnMapping.Populate.AFTER_LINK);
        }
    }
}
