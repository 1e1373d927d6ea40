package io.revokefs.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.revokefs.core.event.RevokeEvent;
import org.axonframework.serialization.SerializedType;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * Upcasts stored event payloads of revision "0" (schema 0, see {@link SchemaV0}) to revision "1".
 * The payload type names the record ({@code io.revokefs.core.event.RevokeEvent$Mmapped}); the body is
 * rewritten as a Jackson tree, so the rows themselves are never changed.
 */
final class SchemaV0Upcaster extends SingleEventUpcaster {
    static final String REVISION_0 = "0";
    static final String REVISION_1 = "1";
    private static final String PREFIX = RevokeEvent.class.getName() + "$";

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        SerializedType type = representation.getType();
        return REVISION_0.equals(type.getRevision()) && type.getName().startsWith(PREFIX);
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        String name = representation.getType().getName();
        String simpleName = name.substring(PREFIX.length());
        return representation.upcastPayload(new SimpleSerializedType(name, REVISION_1), JsonNode.class,
                node -> SchemaV0.upcastBody(simpleName, (ObjectNode) node));
    }
}
