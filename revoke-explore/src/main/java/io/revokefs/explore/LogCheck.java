package io.revokefs.explore;

import io.revokefs.core.event.RecordedEvent;

import java.util.List;

/**
 * A check of a schedule's event log, run after every schedule. The explorer runs a list of them
 * ({@link Explorer.Options#logChecks()}): the history module's auditor ({@link AuditorCheck}) by
 * default.
 */
@FunctionalInterface
public interface LogCheck {

    /** The violations found in {@code events} (the whole log, in seq order), each naming its invariant; empty when none. */
    List<String> check(List<RecordedEvent> events);
}
