package io.revokefs.explore;

import io.revokefs.core.event.RecordedEvent;

import java.util.List;

/**
 * A check of a schedule's event log, run after every schedule. The explorer runs a list of them
 * ({@link Explorer.Options#logChecks()}): {@link BasicLogInvariants} by default; the history
 * module's auditor plugs in here as one more.
 */
@FunctionalInterface
public interface LogCheck {

    /** The violations found in {@code events} (the whole log, in seq order), each naming its invariant; empty when none. */
    List<String> check(List<RecordedEvent> events);
}
