package io.revokefs.uio;

import io.revokefs.core.conformance.AdapterFixture;
import io.revokefs.core.conformance.Case;
import io.revokefs.core.conformance.ConformanceSuite;

import java.util.Map;

/** The conformance suite on {@code /dev/uio0}, mapping its map 0 as a physical map (populated at mmap, after link). */
class UioPhysicalConformanceTest extends ConformanceSuite {
    @Override
    protected AdapterFixture fixture() {
        return UioConformanceTest.fixture(UioMem.Type.PHYS, Map.of(Case.R02,
                "no fault handler: uio_physical_vm_ops populate every page at mmap (after link); "
                        + "a fault only happens after the zap and is SIGBUS without reaching the driver"));
    }
}
