/**
 * The event log of docs/semantics.md section 7: JSON lines ({@link io.revokefs.history.JsonLines}), Axon event
 * storage ({@link io.revokefs.history.EventStores}), replay ({@link io.revokefs.history.ReplayState}) and the
 * auditor ({@link io.revokefs.history.Auditor}). See docs/events.md.
 */
package io.revokefs.history;
