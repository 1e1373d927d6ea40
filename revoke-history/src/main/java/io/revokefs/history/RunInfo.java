package io.revokefs.history;

import java.time.Instant;
import java.util.Objects;

/**
 * One run held by a store (docs/events.md section "Runs").
 *
 * @param id      the run's id, unique in its store
 * @param label   what ran (the scripts, or "fuzz seed N"); empty if unknown
 * @param started when the run was opened, {@link Instant#EPOCH} if unknown (a schema-1 store)
 * @param events  the events stored (its last {@code seq}: seq runs from 1 in every run)
 * @param objects the objects it registered
 * @param revokes the objects it revoked
 * @param verdict the audit verdict recorded for it ({@code clean}, {@code N finding(s)}), or null
 *                if nobody audited it yet
 */
public record RunInfo(String id, String label, Instant started, long events, long objects, long revokes, String verdict) {
    public RunInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(started, "started");
    }
}
