package io.revokefs.vfio;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.history.Auditor;
import io.revokefs.history.JsonLines;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The auditor's {@code NO_PTE_WHILE_MEMORY_OFF} on written logs: a planted log whose fault installs
 * a PTE while the device's memory is off must be caught (with the seq of the offending event); the
 * same events with memory back on first are clean. The logs are schema-1 JSON lines, so the reader
 * takes the {@code MemoryToggled} type too.
 */
class NoPteWhileMemoryOffAuditTest {
    private static final String O = "vfio:/dev/vfio/devices/vfio0";
    private static final String HEAD = String.join("\n",
            "{\"v\":1,\"seq\":1,\"type\":\"ObjectRegistered\",\"object\":\"" + O + "\",\"adapter\":\"vfio\"}",
            "{\"v\":1,\"seq\":2,\"type\":\"FileOpened\",\"object\":\"" + O + "\",\"file\":\"file-1\",\"pid\":1}",
            "{\"v\":1,\"seq\":3,\"type\":\"Mmapped\",\"object\":\"" + O + "\",\"file\":\"file-1\",\"vma\":\"vma-1\",\"pid\":1,"
                    + "\"pgoff\":0,\"pages\":2,\"mapping\":\"" + O + "\",\"populated\":0}",
            "{\"v\":1,\"seq\":4,\"type\":\"Faulted\",\"object\":\"" + O + "\",\"vma\":\"vma-1\",\"pgoff\":0}",
            "{\"v\":1,\"seq\":5,\"type\":\"MappingsZapped\",\"object\":\"" + O + "\",\"vmas\":1,\"ptes\":1,\"mapping\":\"" + O
                    + "\",\"first\":0,\"count\":1610612736}",
            "{\"v\":1,\"seq\":6,\"type\":\"MemoryToggled\",\"object\":\"" + O + "\",\"memory\":\"off\",\"cause\":\"config-write\"}");

    private static List<Auditor.Finding> audit(String... more) throws IOException {
        String log = HEAD + "\n" + String.join("\n", more) + "\n";
        List<RecordedEvent> events = JsonLines.readAll(new ByteArrayInputStream(log.getBytes(StandardCharsets.UTF_8)));
        return Auditor.audit(events);
    }

    @Test
    void aFaultThatInstallsAPteWhileMemoryIsOffIsCaughtAtItsSeq() throws IOException {
        assertThat(audit("{\"v\":1,\"seq\":7,\"type\":\"Faulted\",\"object\":\"" + O + "\",\"vma\":\"vma-1\",\"pgoff\":1}"))
                .extracting(Auditor.Finding::invariant, Auditor.Finding::seq)
                .containsExactly(tuple(Auditor.Invariant.NO_PTE_WHILE_MEMORY_OFF, 7L));
    }

    @Test
    void aForkThatCopiesPtesWhileMemoryIsOffIsCaught() throws IOException {
        assertThat(audit("{\"v\":1,\"seq\":7,\"type\":\"VmaDuplicated\",\"object\":\"" + O + "\",\"vma\":\"vma-2\",\"from\":\"vma-1\",\"pid\":2,\"ptes\":1}"))
                .extracting(Auditor.Finding::invariant).containsExactly(Auditor.Invariant.NO_PTE_WHILE_MEMORY_OFF);
    }

    @Test
    void theSameFaultAfterMemoryComesBackOnIsClean() throws IOException {
        assertThat(audit(
                "{\"v\":1,\"seq\":7,\"type\":\"MemoryToggled\",\"object\":\"" + O + "\",\"memory\":\"on\",\"cause\":\"config-write\"}",
                "{\"v\":1,\"seq\":8,\"type\":\"Faulted\",\"object\":\"" + O + "\",\"vma\":\"vma-1\",\"pgoff\":1}")).isEmpty();
    }
}
