package io.revokefs.kernel;

import io.revokefs.core.testing.Points;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A VMA's accessors declare their footprint ({@code Interleave.touch}) on the VMA's key: a read of
 * its range, offset, flags, vm_ops, file, private data, policy, fork origin, link and owed close;
 * a write of each setter. Each call is a step of its own here (no point in between), so its
 * footprint is exactly what it declares (FootprintDeclarationsTest does the same for the
 * library). Found by mutation testing (issue 18 point 12): every declaration was removable.
 */
class VmaFootprintTest {
    private final Kernel kernel = new Kernel((vmas, ptes, mapping, firstPfn, pages) -> { });
    private final Mm mm = kernel.newProcess(0).mm();
    private final Vma vma = new Vma("vma-1", mm, 1L << 32, (1L << 32) + 4 * Kernel.PAGE_SIZE, 8, EnumSet.of(VmaFlag.SHARED), null);


    @Test
    void everyReaderDeclaresAReadOfTheVmaAndEverySetterAWrite() {
        Map<String, Runnable> reads = new LinkedHashMap<>();
        reads.put("start", vma::start);
        reads.put("end", vma::end);
        reads.put("pages", vma::pages);
        reads.put("pgoff", vma::pgoff);
        reads.put("lastPgoff", vma::lastPgoff);
        reads.put("pgoffAt", () -> vma.pgoffAt(1L << 32));
        reads.put("has", () -> vma.has(VmaFlag.SHARED));
        reads.put("flags", vma::flags);
        reads.put("vmOps", vma::vmOps);
        reads.put("file", vma::file);
        reads.put("privateData", vma::privateData);
        reads.put("forkOrigin", vma::forkOrigin);
        reads.put("installsWritable", vma::installsWritable);
        reads.put("policy", vma::policy);
        reads.put("isLinked", vma::isLinked);
        reads.put("isCloseOwed", vma::isCloseOwed);
        reads.put("copy", () -> vma.copy("vma-2", mm));
        Map<String, Runnable> writes = new LinkedHashMap<>();
        writes.put("addFlags", () -> vma.addFlags(VmaFlag.IO));
        writes.put("setVmOps", () -> vma.setVmOps(null));
        writes.put("setFile", () -> vma.setFile(null));
        writes.put("setPgoff", () -> vma.setPgoff(8));
        writes.put("setPrivateData", () -> vma.setPrivateData("x"));
        writes.put("setForkOrigin", () -> vma.setForkOrigin("vma-0"));
        writes.put("setPolicy", () -> vma.setPolicy(null));
        writes.put("setRange", () -> vma.setRange(1L << 32, (1L << 32) + 4 * Kernel.PAGE_SIZE, 8));
        writes.put("markCloseOwed", vma::markCloseOwed);
        writes.put("takeClose", vma::takeClose);
        reads.forEach((name, r) -> assertThat(Points.footprintsOf(r)).as(name).containsExactly("{READ vma vma-1}"));
        // vma_set_page_prot reads the flags and vm_ops and writes the protection: a write (which
        // conflicts with whatever a read does).
        writes.put("setPageProt", vma::setPageProt);
        writes.forEach((name, r) -> assertThat(Points.footprintsOf(r)).as(name).containsExactly("{WRITE vma vma-1}"));
    }
}
