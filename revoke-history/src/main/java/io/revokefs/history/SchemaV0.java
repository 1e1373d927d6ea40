package io.revokefs.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The schema before version 1, kept readable. Version 0 differed from version 1 in four ways:
 * <ul>
 *   <li>the event type was in {@code kind} (version 1: {@code type});</li>
 *   <li>the object id was in {@code object_id} (version 1: {@code object});</li>
 *   <li>{@code Mmapped} and {@code MappingsZapped} had no {@code mapping}: every object had its own
 *       address_space, so the upcast uses the object id;</li>
 *   <li>{@code VmaDuplicated} had no {@code ptes}: upcast to 1, which replays as the v0 reading (the
 *       child has the parent's populated pages);</li>
 *   <li>{@code Mmapped} had no {@code populated} (population was always on fault): upcast to 0; and
 *       there was no {@code t} (upcast to 0).</li>
 * </ul>
 * One upcast serves both readers: the JSON-lines import (whole line) and the Axon upcaster (event
 * body only, where type and revision live in the store's columns).
 */
final class SchemaV0 {
    static final int VERSION = 0;

    private SchemaV0() {
    }

    /** Rewrites a whole v0 line into a v1 line, in place. */
    static ObjectNode upcastLine(ObjectNode line) {
        String kind = EventCodec.requiredText(line, "kind");
        line.remove("kind");
        line.put("v", 1);
        line.put("type", kind);
        upcastBody(kind, line);
        return line;
    }

    /**
     * Rewrites the fields of a v0 event body of type {@code type} into v1 fields, in place: the
     * renamed field, {@code ptes} 1 on a {@code VmaDuplicated}, then the defaults every v1 reader
     * gives a missing extra field ({@link EventCodec#fillDefaults}: the object's own mapping, no page
     * populated).
     */
    static ObjectNode upcastBody(String type, ObjectNode body) {
        JsonNode objectId = body.remove("object_id");
        if (objectId != null) {
            body.set("object", objectId);
        }
        if (type.equals("VmaDuplicated") && !body.has("ptes")) {
            // v0 did not say what fork copied; its replay always copied the parent's pages.
            body.put("ptes", 1);
        }
        return EventCodec.fillDefaults(type, body);
    }
}
