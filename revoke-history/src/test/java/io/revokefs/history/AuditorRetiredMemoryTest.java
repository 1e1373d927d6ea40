package io.revokefs.history;

import io.revokefs.core.event.ReleaseCause;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;
import io.revokefs.history.Auditor.Finding;
import io.revokefs.history.Auditor.Invariant;
import io.revokefs.kernel.Errno;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the auditor keeps of retired objects and ids (its bounded memory, issue 18 point 9): the last
 * {@value Auditor#RETIRED_MEMORY} retired ids exactly, and, for a retired object, remembered or
 * forgotten to a hash, whether its driver closes VMAs, so that a second revoke of the same life is
 * held to CLOSE_ONCE only if it closes. Found by mutation testing (issue 18 point 12): the ids' bound
 * moved by one, the closes flag of a retired or a forgotten object always set or swapped, passed
 * every test.
 */
class AuditorRetiredMemoryTest {
    private static final String U = "uio:/dev/uio8";

    @Test
    void exactlyTheLastRetiredMemoryRetiredIdsAreRemembered() {
        for (int refused : new int[] {Auditor.RETIRED_MEMORY, Auditor.RETIRED_MEMORY + 1}) {
            List<RevokeEvent> log = new ArrayList<>();
            log.add(new ObjectRegistered(U, "uio"));
            for (int i = 0; i < refused; i++) {
                log.add(new OpenRefused(U, "file-" + i, 7, Errno.EACCES));
            }
            log.add(new OpenRefused(U, "file-0", 7, Errno.EACCES));
            List<Finding> findings = Auditor.audit(Logs.numbered(log));
            if (refused == Auditor.RETIRED_MEMORY) {
                assertThat(findings).extracting(Finding::message)
                        .containsExactly("file id file-0 is introduced again; it was refused at seq 2");
            } else {
                assertThat(findings).as("file-0 is the oldest of %d retired ids: forgotten", refused).isEmpty();
            }
        }
    }

    /** One life of {@code object} (its VMA unmapped, its file closed: retired), with a VmaClosed if {@code closes}. */
    private static List<RevokeEvent> life(String object, int i, boolean closes) {
        List<RevokeEvent> l = new ArrayList<>(List.of(new ObjectRegistered(object, "sysfs"), new FileOpened(object, "f" + i, 7),
                new Mmapped(object, "f" + i, "v" + i, 7, 0, 1, object, 0), new RevokeStarted(object, "hot-unplug"),
                new RevokeDrained(object, 0), new MappingsZapped(object, 1, 0, object, 0, 1)));
        if (closes) {
            l.add(new VmaClosed(object, "v" + i, 0, 1, VmaClosed.Cause.REVOKE));
        }
        l.addAll(List.of(new FileReleased(object, "f" + i, ReleaseCause.REVOKE), new RevokeCompleted(object),
                new VmaUnmapped(object, "v" + i, 0, 1), new FileClosed(object, "f" + i)));
        return l;
    }

    /** A second revoke of {@code object}'s retired life over a new VMA that nothing closes. */
    private static List<RevokeEvent> secondRevoke(String object) {
        return List.of(new Mmapped(object, "late-f", "late-v", 7, 0, 1, object, 0), new RevokeStarted(object, "again"),
                new RevokeDrained(object, 0), new MappingsZapped(object, 1, 0, object, 0, 1), new RevokeCompleted(object));
    }

    private static long closeOnceFindings(List<RevokeEvent> log) {
        return Auditor.audit(Logs.numbered(log)).stream().filter(f -> f.invariant() == Invariant.CLOSE_ONCE).count();
    }

    @Test
    void aRememberedRetiredObjectIsHeldToCloseOnceOnlyIfItsDriverClosed() {
        for (boolean closes : new boolean[] {false, true}) {
            List<RevokeEvent> log = new ArrayList<>(life(U, 0, closes));
            log.addAll(secondRevoke(U));
            assertThat(closeOnceFindings(log)).as("driver closes: %s", closes).isEqualTo(closes ? 1 : 0);
        }
    }

    @Test
    void aForgottenRetiredObjectIsHeldToCloseOnceOnlyIfItsDriverClosed() {
        for (boolean closes : new boolean[] {false, true}) {
            List<RevokeEvent> log = new ArrayList<>(life("sysfs:/x0", 0, closes));
            for (int i = 1; i <= Auditor.RETIRED_MEMORY; i++) {
                log.addAll(life("sysfs:/x" + i, i, false)); // x0 drops out of the remembered ones
            }
            log.addAll(secondRevoke("sysfs:/x0"));
            assertThat(closeOnceFindings(log)).as("driver closes: %s", closes).isEqualTo(closes ? 1 : 0);
        }
    }
}
