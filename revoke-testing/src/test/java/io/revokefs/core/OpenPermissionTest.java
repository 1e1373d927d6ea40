package io.revokefs.core;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.testing.Sim;
import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The open's permission check asks for what the open asks for: read for a read-only open, read and
 * write for a read-write one ({@code may_open}'s {@code MAY_READ | MAY_WRITE} from the open's mode,
 * {@code generic_permission} on the mode bits). Found by mutation testing (issue 18 point 12): the
 * write flag of the check negated passed every test, which opened as root (who passes either way)
 * or opened a file its opener could neither read nor write.
 */
class OpenPermissionTest {

    private static List<RevokeEvent> eventsOf(Sim sim, String object) {
        return sim.log().eventsOf(object).stream().map(RecordedEvent::event).toList();
    }

    @Test
    void aUserMayOpenReadOnlyAFileOthersMayReadButNotReadWrite() {
        Sim sim = new Sim();
        Inode readable = sim.kernel().newInode("/dev/test0-ro", 0644, 0, sim.object().fileOperations(),
                sim.object().mapping(), null);
        Process user = sim.kernel().newProcess(1000);

        OpenFile f = user.open(readable, true).value();
        assertThat(sim.object().openFiles()).containsExactly(f);
        assertThat(eventsOf(sim, Sim.OBJECT)).contains(new RevokeEvent.FileOpened(Sim.OBJECT, f.id(), user.pid()));

        assertThat(user.open(readable, false).errnoOrNull()).as("0644: others may not write").isEqualTo(Errno.EACCES);
        assertThat(eventsOf(sim, Sim.OBJECT).get(eventsOf(sim, Sim.OBJECT).size() - 1)).isInstanceOf(RevokeEvent.OpenRefused.class);
        assertThat(sim.object().openFiles()).containsExactly(f);
    }

    @Test
    void aUserMayOpenReadWriteAFileOthersMayReadAndWrite() {
        Sim sim = new Sim();
        Inode shared = sim.kernel().newInode("/dev/test0-rw", 0666, 0, sim.object().fileOperations(),
                sim.object().mapping(), null);
        Process user = sim.kernel().newProcess(1000);
        OpenFile f = user.open(shared, false).value();
        assertThat(f.isReadOnly()).isFalse();
        assertThat(sim.object().openFiles()).containsExactly(f);
    }

    @Test
    void theOwnerUsesTheOwnerBits() {
        Sim sim = new Sim();
        // 0406: the owner may only read, others may read and write.
        Inode owned = sim.kernel().newInode("/dev/test0-owned", 0406, 1000, sim.object().fileOperations(),
                sim.object().mapping(), null);
        Process owner = sim.kernel().newProcess(1000);
        Process other = sim.kernel().newProcess(1001);
        assertThat(owner.open(owned, true).isOk()).as("owner r--").isTrue();
        assertThat(owner.open(owned, false).errnoOrNull()).as("owner r--: no write").isEqualTo(Errno.EACCES);
        assertThat(other.open(owned, false).isOk()).as("others rw-").isTrue();
    }
}
