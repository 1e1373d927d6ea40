package io.revokefs.core.conformance;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small local check of the SEMANTICS.md section 7 invariants over one object's events, run after
 * every conformance test (the full auditor lives in revoke-history). Returns findings as strings
 * naming the invariant and the seq; an empty list means the log is clean.
 *
 * <p>Checked: {@code SEQ_CONTIGUOUS} (whole log), {@code NO_ENTRY_AFTER_REVOKE}, {@code REVOKE_ORDER}
 * (one life: RevokeStarted &lt; RevokeDrained &lt; every MappingsZapped &lt; RevokeCompleted, one
 * or more MappingsZapped, one per zapped range), {@code RELEASE_ONCE} (at most one FileReleased per
 * file; exactly one for every file opened before RevokeCompleted once the revoke is complete) and
 * {@code KNOWN_REFERENCES} for files and VMAs.
 */
final class LogInvariants {
    private LogInvariants() {
    }

    static List<String> check(List<RecordedEvent> log, String object) {
        List<String> findings = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).seq() != i + 1) {
                findings.add("SEQ_CONTIGUOUS at seq " + log.get(i).seq() + ": expected " + (i + 1));
                break;
            }
        }
        long started = -1;
        long drained = -1;
        long completed = -1;
        List<Long> zaps = new ArrayList<>();
        Set<String> files = new HashSet<>();
        Set<String> vmas = new HashSet<>();
        Set<String> openedBeforeCompletion = new HashSet<>();
        Map<String, Integer> releases = new HashMap<>();
        for (RecordedEvent re : log) {
            if (!re.object().equals(object)) {
                continue;
            }
            long seq = re.seq();
            RevokeEvent e = re.event();
            boolean afterStart = started > 0;
            if (e instanceof RevokeEvent.FileOpened o) {
                files.add(o.file());
                if (afterStart) {
                    findings.add("NO_ENTRY_AFTER_REVOKE at seq " + seq + ": FileOpened");
                }
                openedBeforeCompletion.add(o.file());
            } else if (e instanceof RevokeEvent.Mmapped m) {
                vmas.add(m.vma());
                requireKnown(findings, files, m.file(), seq);
                if (afterStart) {
                    findings.add("NO_ENTRY_AFTER_REVOKE at seq " + seq + ": Mmapped");
                }
            } else if (e instanceof RevokeEvent.Faulted f) {
                requireKnown(findings, vmas, f.vma(), seq);
                if (afterStart) {
                    findings.add("NO_ENTRY_AFTER_REVOKE at seq " + seq + ": Faulted");
                }
            } else if (e instanceof RevokeEvent.VmaDuplicated d) {
                requireKnown(findings, vmas, d.from(), seq);
                vmas.add(d.vma());
            } else if (e instanceof RevokeEvent.VmaUnmapped u) {
                requireKnown(findings, vmas, u.vma(), seq);
            } else if (e instanceof RevokeEvent.FileReleased r) {
                requireKnown(findings, files, r.file(), seq);
                if (releases.merge(r.file(), 1, Integer::sum) > 1) {
                    findings.add("RELEASE_ONCE at seq " + seq + ": second FileReleased of " + r.file());
                }
            } else if (e instanceof RevokeEvent.FileClosed c) {
                requireKnown(findings, files, c.file(), seq);
            } else if (e instanceof RevokeEvent.RevokeStarted) {
                if (started > 0) {
                    findings.add("REVOKE_ORDER at seq " + seq + ": a second RevokeStarted");
                }
                started = seq;
            } else if (e instanceof RevokeEvent.RevokeDrained) {
                if (drained > 0 || started < 0) {
                    findings.add("REVOKE_ORDER at seq " + seq + ": RevokeDrained out of order");
                }
                drained = seq;
            } else if (e instanceof RevokeEvent.MappingsZapped) {
                if (drained < 0 || completed > 0) {
                    findings.add("REVOKE_ORDER at seq " + seq + ": MappingsZapped outside RevokeDrained..RevokeCompleted");
                }
                zaps.add(seq);
            } else if (e instanceof RevokeEvent.RevokeCompleted) {
                if (completed > 0 || zaps.isEmpty()) {
                    findings.add("REVOKE_ORDER at seq " + seq + ": RevokeCompleted out of order");
                }
                completed = seq;
            }
        }
        if (started > 0 && completed > 0) {
            for (String f : openedBeforeCompletion) {
                if (releases.getOrDefault(f, 0) != 1) {
                    findings.add("RELEASE_ONCE: " + f + " has " + releases.getOrDefault(f, 0)
                            + " FileReleased after a completed revoke");
                }
            }
        }
        return findings;
    }

    private static void requireKnown(List<String> findings, Set<String> known, String ref, long seq) {
        if (!known.contains(ref)) {
            findings.add("KNOWN_REFERENCES at seq " + seq + ": " + ref + " was not opened or mapped earlier");
        }
    }
}
