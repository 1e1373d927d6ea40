package io.revokefs.history;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Maps schema-1 JSON objects to {@link RecordedEvent}s and back. The record component names of the
 * {@link RevokeEvent} records are the field names, so the codec is driven by reflection over the
 * sealed interface's permitted records, computed once. Problems are reported as {@link
 * IllegalArgumentException}s whose message names the field; callers add the line number.
 */
final class EventCodec {
    /** Components that may be absent (read as null, the records' default); every other component is a required field. */
    private static final Set<String> OPTIONAL = Set.of("AccessRefused.file", "AccessRefused.vma", "AccessRefused.by",
            "AccessRefused.expect", "OpenRefused.expect", "MmapRefused.expect", "Faulted.by");

    record EventType(String name, Class<? extends RevokeEvent> type, RecordComponent[] components,
                     Constructor<? extends RevokeEvent> constructor) {
        boolean optional(RecordComponent c) {
            return OPTIONAL.contains(name + "." + c.getName());
        }
    }

    static final Map<String, EventType> TYPES;

    static {
        Map<String, EventType> types = new LinkedHashMap<>();
        for (Class<?> permitted : RevokeEvent.class.getPermittedSubclasses()) {
            @SuppressWarnings("unchecked")
            Class<? extends RevokeEvent> type = (Class<? extends RevokeEvent>) permitted;
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] params = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                params[i] = components[i].getType();
            }
            try {
                types.put(type.getSimpleName(), new EventType(type.getSimpleName(), type, components,
                        type.getDeclaredConstructor(params)));
            } catch (NoSuchMethodException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        TYPES = Collections.unmodifiableMap(types);
    }

    private EventCodec() {
    }

    /** Writes one event as a JSON object: v, seq, type, object, the other fields, t. Nulls are omitted. */
    static void write(JsonGenerator g, RecordedEvent e) throws IOException {
        RevokeEvent event = e.event();
        g.writeStartObject();
        g.writeNumberField("v", RevokeEvent.SCHEMA_VERSION);
        g.writeNumberField("seq", e.seq());
        g.writeStringField("type", event.type());
        g.writeStringField("object", event.object());
        for (RecordComponent c : TYPES.get(event.type()).components()) {
            if (c.getName().equals("object")) {
                continue;
            }
            Object value = get(c, event);
            if (value == null) {
                continue;
            }
            g.writeFieldName(c.getName());
            if (value instanceof Integer i) {
                g.writeNumber(i);
            } else if (value instanceof Long l) {
                g.writeNumber(l);
            } else if (value instanceof Enum<?> en) {
                g.writeString(en.name());
            } else {
                g.writeString(value.toString());
            }
        }
        g.writeNumberField("t", e.timeNanos());
        g.writeEndObject();
    }

    /** Reads a schema-1 line (envelope and body). */
    static RecordedEvent read(ObjectNode node) {
        JsonNode v = node.get("v");
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing required field 'v'");
        }
        if (!v.isIntegralNumber() || v.asLong() != RevokeEvent.SCHEMA_VERSION) {
            throw new IllegalArgumentException("unknown schema version v=" + v);
        }
        long seq = requiredLong(node, "seq");
        if (seq < 1) {
            throw new IllegalArgumentException("field 'seq' must be >= 1, got " + seq);
        }
        String type = requiredText(node, "type");
        JsonNode t = node.get("t");
        long time = 0;
        if (t != null && !t.isNull()) {
            if (!t.isIntegralNumber()) {
                throw new IllegalArgumentException("field 't' must be an integer, got " + t);
            }
            time = t.asLong();
        }
        return new RecordedEvent(seq, time, readBody(type, node));
    }

    /** Reads the fields of event {@code type} from {@code node} (which may carry more fields). */
    static RevokeEvent readBody(String type, ObjectNode node) {
        EventType et = TYPES.get(type);
        if (et == null) {
            throw new IllegalArgumentException("unknown type '" + type + "'");
        }
        Object[] args = new Object[et.components().length];
        for (int i = 0; i < args.length; i++) {
            RecordComponent c = et.components()[i];
            String name = c.getName();
            JsonNode f = node.get(name);
            if (f == null || f.isNull()) {
                if (et.optional(c)) {
                    continue;
                }
                throw new IllegalArgumentException("missing required field '" + name + "' of " + type);
            }
            Class<?> ct = c.getType();
            if (ct == String.class) {
                if (!f.isTextual()) {
                    throw new IllegalArgumentException("field '" + name + "' must be a string, got " + f);
                }
                args[i] = f.textValue();
            } else if (ct == int.class) {
                if (!f.isIntegralNumber() || !f.canConvertToInt()) {
                    throw new IllegalArgumentException("field '" + name + "' must be an int, got " + f);
                }
                args[i] = f.intValue();
            } else if (ct == long.class) {
                if (!f.isIntegralNumber() || !f.canConvertToLong()) {
                    throw new IllegalArgumentException("field '" + name + "' must be an integer, got " + f);
                }
                args[i] = f.longValue();
            } else if (ct.isEnum()) {
                args[i] = enumValue(ct, name, f); // Errno, ReleaseCause, VmaClosed.Cause
            } else {
                throw new IllegalStateException("no JSON mapping for " + ct + " in " + type);
            }
        }
        try {
            return et.constructor().newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("invalid " + type + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object enumValue(Class<?> type, String name, JsonNode f) {
        if (f.isTextual()) {
            for (Object e : type.getEnumConstants()) {
                if (((Enum<?>) e).name().equals(f.textValue())) {
                    return e;
                }
            }
        }
        throw new IllegalArgumentException("field '" + name + "' has unknown " + type.getSimpleName() + " value " + f);
    }

    private static long requiredLong(ObjectNode node, String name) {
        JsonNode f = node.get(name);
        if (f == null || f.isNull()) {
            throw new IllegalArgumentException("missing required field '" + name + "'");
        }
        if (!f.isIntegralNumber() || !f.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + name + "' must be an integer, got " + f);
        }
        return f.longValue();
    }

    static String requiredText(ObjectNode node, String name) {
        JsonNode f = node.get(name);
        if (f == null || f.isNull()) {
            throw new IllegalArgumentException("missing required field '" + name + "'");
        }
        if (!f.isTextual()) {
            throw new IllegalArgumentException("field '" + name + "' must be a string, got " + f);
        }
        return f.textValue();
    }

    private static Object get(RecordComponent c, RevokeEvent e) {
        try {
            return c.getAccessor().invoke(e);
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
