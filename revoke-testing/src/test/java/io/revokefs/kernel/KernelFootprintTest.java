package io.revokefs.kernel;

import io.revokefs.core.testing.Points;
import io.revokefs.core.testing.Sim;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel's registries and an open file declare their footprints ({@code Interleave.touch}):
 * the processes, objects, mapping ids, namespace, file and VMA ids and the iomem mapping of
 * {@link Kernel}; an {@link OpenFile}'s mapping, position, private data, seekability, fasync, owner
 * and references. Each call here is a step of its own, so its footprint is what it declares; and
 * what the readers answer. Found by mutation testing (issue 18 point 12), as VmaFootprintTest.
 */
class KernelFootprintTest {
    private final Sim sim = new Sim();
    private final Kernel kernel = sim.kernel();


    @Test
    void theRegistriesDeclareReadsAndWritesOfTheirOwnKeysAndAnswer() {
        assertThat(Points.footprintsOf(() -> kernel.newProcess(0))).containsExactly("{WRITE kernel processes}");
        assertThat(Points.footprintsOf(kernel::processes)).containsExactly("{READ kernel processes}");
        assertThat(Points.footprintsOf(kernel::objects)).containsExactly("{READ kernel objects}");
        assertThat(Points.footprintsOf(() -> kernel.newAddressSpace("m"))).containsExactly("{WRITE kernel mapping ids}");
        Inode inode = kernel.newInode("/dev/other", 0600, 0, sim.driver(), kernel.newAddressSpace("other"), null);
        assertThat(Points.footprintsOf(() -> kernel.bind("/dev/x", inode))).containsExactly("{WRITE kernel namespace}");
        assertThat(Points.footprintsOf(() -> kernel.lookup("/dev/x"))).containsExactly("{READ kernel namespace}");
        assertThat(Points.footprintsOf(kernel::paths)).containsExactly("{READ kernel namespace}");
        assertThat(Points.footprintsOf(() -> assertThat(kernel.unbind("/dev/x")).isTrue())).containsExactly("{WRITE kernel namespace}");
        assertThat(kernel.unbind("/dev/x")).as("gone already").isFalse();
        assertThat(Points.footprintsOf(kernel::nextFileId)).containsExactly("{WRITE kernel file ids}");
        assertThat(Points.footprintsOf(kernel::nextVmaId)).containsExactly("{WRITE kernel vma ids}");
        assertThat(Points.footprintsOf(kernel::iomemMapping)).containsExactly("{READ kernel iomem mapping}");
        assertThat(Points.footprintsOf(kernel::publishIomemMapping)).containsExactly(
                "{READ kernel iomem mapping, WRITE kernel iomem mapping, WRITE kernel mapping ids, WRITE pfn mapping of iomem}");
        // A registration reads and writes the objects' registry.
        assertThat(Points.footprintsOf(() -> io.revokefs.core.RevocableObject.builder(kernel, "test:/dev/fp", "test")
                .operations(new io.revokefs.core.testing.TestDriver(Sim.BASE_PFN, Sim.PAGES))
                .errnos(io.revokefs.core.ErrnoTable.KERNFS).register())).anyMatch(s -> s.contains("WRITE kernel objects"));
        // reap: the process leaves the registry.
        Process gone = kernel.newProcess(0);
        assertThat(Points.footprintsOf(() -> kernel.reap(gone))).containsExactly("{WRITE kernel processes}");
        assertThat(kernel.processes()).doesNotContain(gone);
    }

    @Test
    void theRegistriesAnswerInOrder() {
        Process a = kernel.newProcess(0);
        Process b = kernel.newProcess(0);
        assertThat(kernel.processes()).as("by pid").containsSubsequence(a, b)
                .isSortedAccordingTo(java.util.Comparator.comparingInt(Process::pid));
        Inode inode = kernel.newInode("/dev/other", 0600, 0, sim.driver(), kernel.newAddressSpace("other"), null);
        kernel.bind("/dev/zz", inode);
        kernel.bind("/dev/aa", inode);
        assertThat(kernel.paths()).isSorted().contains("/dev/aa", "/dev/zz");
        assertThat(kernel.lookup("/dev/aa").value()).isSameAs(inode);
        assertThat(kernel.lookup("/dev/none").errnoOrNull()).isEqualTo(Errno.ENOENT);
        // A name taken gets the first free #N from 2 up.
        assertThat(List.of(kernel.newAddressSpace("dup").id(), kernel.newAddressSpace("dup").id(), kernel.newAddressSpace("dup").id()))
                .containsExactly("dup", "dup#2", "dup#3");
        // Pids far above the live count (many processes came and went): still listed by pid.
        // (A hash map's order follows pid modulo its table: 24 pids across 256 wrap round it.)
        for (Process q = kernel.newProcess(0); q.pid() < 244; q = kernel.newProcess(0)) {
            kernel.reap(q);
        }
        List<Process> late = new java.util.ArrayList<>();
        for (int i = 0; i < 24; i++) {
            late.add(kernel.newProcess(0));
        }
        assertThat(kernel.processes()).containsSubsequence(a, b).containsSubsequence(late)
                .isSortedAccordingTo(java.util.Comparator.comparingInt(Process::pid));
    }

    @Test
    void aFileWhoseLastReferenceIsGoneCannotBeTakenAgain() {
        Process p = sim.root();
        OpenFile f = sim.open(p);
        p.close(f);
        assertThat(f.refCount()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(f::get).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("get_file on a freed file");
    }

    @Test
    void anOpenFilesAccessorsDeclareItsKeyAndAnswer() {
        Process p = sim.root();
        OpenFile f = sim.open(p);
        String key = "open file " + f.id();
        Map<String, Runnable> reads = new LinkedHashMap<>();
        reads.put("mapping", f::mapping);
        reads.put("position", f::position);
        reads.put("privateData", f::privateData);
        reads.put("seekable", f::seekable);
        reads.put("fasync", f::fasync);
        reads.put("owner", f::owner);
        reads.put("refCount", f::refCount);
        Map<String, Runnable> writes = new LinkedHashMap<>();
        AddressSpace m = f.mapping();
        writes.put("setMapping", () -> f.setMapping(m));
        writes.put("setPosition", () -> f.setPosition(3));
        writes.put("setPrivateData", () -> f.setPrivateData("x"));
        writes.put("setFasync", () -> f.setFasync(true));
        writes.put("setOwner", () -> f.setOwner(p));
        writes.put("get", f::get);
        writes.put("put", f::put);
        writes.put("clearSeekable", f::clearSeekable);
        reads.forEach((name, r) -> assertThat(Points.footprintsOf(r)).as(name).containsExactly("{READ " + key + "}"));
        writes.forEach((name, r) -> assertThat(Points.footprintsOf(r)).as(name).contains("{WRITE " + key + "}"));
        assertThat(f.position()).isEqualTo(3);
        assertThat(f.privateData()).isEqualTo("x");
        assertThat(f.fasync()).isTrue();
        assertThat(f.owner()).isSameAs(p);
        assertThat(f.seekable()).isFalse();
        assertThat(f.refCount()).as("one descriptor: get and put balanced").isEqualTo(1);
        assertThat(f.toString()).contains(f.id());
    }
}
