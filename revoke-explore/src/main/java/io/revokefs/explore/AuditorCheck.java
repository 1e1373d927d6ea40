package io.revokefs.explore;

import io.revokefs.core.event.RecordedEvent;
import io.revokefs.history.Auditor;

import java.util.List;

/** The section 7 auditor ({@link Auditor}) as a check of each explored schedule's log. */
public final class AuditorCheck implements LogCheck {
    @Override
    public List<String> check(List<RecordedEvent> events) {
        return Auditor.audit(events).stream().map(Auditor.Finding::toString).toList();
    }
}
