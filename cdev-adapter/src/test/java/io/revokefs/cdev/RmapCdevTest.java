package io.revokefs.cdev;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.kernel.Kernel;
import io.revokefs.core.kernel.OpenFile;
import io.revokefs.core.kernel.PhysicalMemory;
import io.revokefs.core.kernel.Process;
import io.revokefs.core.kernel.Rmap;
import io.revokefs.core.kernel.Vma;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rmap through a character device's own mapping (file page k is device page k), forks included. */
class RmapCdevTest {
    private final Kernel kernel = new Kernel(new InMemoryEventLog());
    private final CharDevice dev = CharDevice.create(kernel, "foo", 4, false);
    private final Process p = kernel.newProcess(0);

    /** Where the device's memory was put, read from physical memory itself. */
    private long firstPfn() {
        PhysicalMemory.Region r = kernel.physicalMemory().regionOf(CharDevice.MEMORY_BASE_PFN);
        assertThat(r.owner()).isEqualTo("/dev/foo");
        return r.firstPfn();
    }

    @Test
    void theDeviceMemoryIsFoundInTheParentAndTheForkedChildUntilTheUnplug() {
        long base = firstPfn();
        OpenFile f = p.open("/dev/foo", false).value();
        Vma v = p.mmap(f, 2, 2, true).value(); // device pages 2 and 3
        assertThat(p.store(v.start() + Kernel.PAGE_SIZE, 7).isOk()).isTrue();
        assertThat(Rmap.whoMaps(kernel, base + 3, 1)).singleElement().satisfies(h -> {
            assertThat(h.vma()).isEqualTo(v.id());
            assertThat(h.object()).isEqualTo("cdev:/dev/foo");
            assertThat(h.mapping()).isEqualTo(dev.object().mapping().id());
            assertThat(h.firstPgoff()).isEqualTo(3);
            assertThat(h.present()).isEqualTo(1);
        });
        assertThat(Rmap.whoMaps(kernel, base + 1, 1)).as("device page 1 is not mapped").isEmpty();

        Process child = p.fork();
        assertThat(Rmap.whoMaps(kernel, base + 3, 1)).extracting(Rmap.Hit::pid).containsExactly(p.pid(), child.pid());
        assertThat(Rmap.presentCount(Rmap.whoMaps(kernel, base, 4))).as("fork copies a VM_PFNMAP VMA's PTEs").isEqualTo(2);

        dev.unplug();
        assertThat(Rmap.presentCount(Rmap.whoMaps(kernel, base, 4))).isZero();
        assertThat(Rmap.whoMaps(kernel, base, 4)).hasSize(2);
    }
}
