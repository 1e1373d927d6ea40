package io.revokefs.history;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.event.RevokeEvent.*;

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
 *
 * <p>Reading has three steps, each a rule of docs/semantics.md section 7 or of docs/events.md:
 * <ol>
 *   <li>{@link #fillDefaults}: an extra field of this library that is absent gets its documented
 *       default, so a log carrying only the spec's fields reads ({@code Mmapped.mapping} the object's
 *       own mapping, {@code populated} 0; {@code MappingsZapped} the object's own mapping, the whole
 *       of it; {@code VmaDuplicated.ptes} 0; {@code VmaUnmapped} the whole VMA);</li>
 *   <li>{@link #readBody}: every field of the record is then required, with its JSON type;</li>
 *   <li>{@link #CHECK}: the values are checked (no {@code Mmapped} of 0 pages, no id with a control
 *       character, ...), so that nothing the auditor would misread gets past the reader.</li>
 * </ol>
 */
final class EventCodec {
    /** Components that may be absent (read as null, the records' default); every other component is a required field. */
    private static final Set<String> OPTIONAL = Set.of("AccessRefused.file", "AccessRefused.vma", "AccessRefused.by",
            "AccessRefused.expect", "OpenRefused.expect", "MmapRefused.expect", "Faulted.by", "Mmapped.pfn");

    /** {@code count} of a {@code MappingsZapped} read without one, and {@code pages} of a whole-VMA unmap. */
    static final long WHOLE = Long.MAX_VALUE;

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

    /**
     * A Jackson module that reads every event record through {@link #readBody}, so that a store's
     * payloads meet the rules of a JSON line: a payload missing a required field, with a bad value
     * or a control character in an id is refused ({@link IllegalArgumentException}) instead of
     * becoming a record with a null or a 0, and a payload with only the spec's fields gets the same
     * defaults.
     */
    static SimpleModule storePayloads() {
        SimpleModule module = new SimpleModule("revoke-events");
        for (EventType type : TYPES.values()) {
            register(module, type);
        }
        return module;
    }

    private static <T extends RevokeEvent> void register(SimpleModule module, EventType type) {
        @SuppressWarnings("unchecked")
        Class<T> cls = (Class<T>) type.type();
        module.addDeserializer(cls, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonNode node = p.readValueAsTree();
                if (!(node instanceof ObjectNode body)) {
                    throw new IllegalArgumentException("payload of " + type.name() + " is not a JSON object");
                }
                return cls.cast(readBody(type.name(), fillDefaults(type.name(), body)));
            }
        });
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
            if (!t.isIntegralNumber() || !t.canConvertToLong()) {
                throw new IllegalArgumentException("field 't' must be an integer, got " + t);
            }
            time = t.asLong();
        }
        return new RecordedEvent(seq, time, readBody(type, fillDefaults(type, node)));
    }

    /**
     * Gives each extra field of event {@code type} that {@code body} lacks its documented default
     * (docs/events.md section 1), in place. The spec's own fields are never filled: their absence
     * stays an input error.
     */
    static ObjectNode fillDefaults(String type, ObjectNode body) {
        JsonNode object = body.get("object");
        switch (type) {
            case "Mmapped":
                putIfAbsent(body, "mapping", object);
                if (!present(body, "populated")) {
                    body.put("populated", 0);
                }
                break;
            case "MappingsZapped":
                putIfAbsent(body, "mapping", object);
                if (!present(body, "first")) {
                    body.put("first", 0);
                }
                if (!present(body, "count")) {
                    JsonNode first = body.get("first");
                    body.put("count", first.canConvertToLong() && first.longValue() >= 0 ? WHOLE - first.longValue() : 0);
                }
                break;
            case "VmaDuplicated":
                if (!present(body, "ptes")) {
                    body.put("ptes", 0);
                }
                break;
            case "VmaUnmapped":
            case "VmaClosed":
                if (!present(body, "pgoff")) {
                    if (present(body, "pages")) {
                        throw new IllegalArgumentException(type + " has 'pages' without 'pgoff'");
                    }
                    body.put("pgoff", 0);
                }
                if (!present(body, "pages")) {
                    JsonNode pgoff = body.get("pgoff");
                    body.put("pages", pgoff.canConvertToLong() && pgoff.longValue() >= 0 ? WHOLE - pgoff.longValue() : 0);
                }
                break;
            default:
                break;
        }
        return body;
    }

    private static boolean present(ObjectNode body, String name) {
        JsonNode f = body.get(name);
        return f != null && !f.isNull();
    }

    private static void putIfAbsent(ObjectNode body, String name, JsonNode value) {
        if (!present(body, name) && value != null) {
            body.set(name, value);
        }
    }

    /** Reads the fields of event {@code type} from {@code node} (which may carry more fields), then checks them. */
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
                args[i] = checkedText(name, f.textValue());
            } else if (ct == int.class) {
                if (!f.isIntegralNumber() || !f.canConvertToInt()) {
                    throw new IllegalArgumentException("field '" + name + "' must be an int, got " + f);
                }
                args[i] = f.intValue();
            } else if (ct == long.class || ct == Long.class) {
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
        RevokeEvent event;
        try {
            event = et.constructor().newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("invalid " + type + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        String problem = event.accept(CHECK);
        if (problem != null) {
            throw new IllegalArgumentException("invalid " + type + ": " + problem);
        }
        return event;
    }

    /**
     * A string field may not be empty (an id) nor hold a control character or a line or paragraph
     * separator: an object id with a newline would print one audit finding as two lines, and so
     * let a log forge findings.
     */
    private static String checkedText(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            int kind = Character.getType(ch);
            if (kind == Character.CONTROL || kind == Character.LINE_SEPARATOR || kind == Character.PARAGRAPH_SEPARATOR) {
                throw new IllegalArgumentException(String.format("field '%s' holds the control character U+%04X at %d",
                        name, (int) ch, i));
            }
        }
        return value;
    }

    /**
     * The checks of values that a record's constructor does not make, one per event type (so a new
     * type does not compile until it has its own); null when the event is fine.
     */
    static final RevokeEvent.Visitor<String> CHECK = new RevokeEvent.Visitor<>() {
        @Override
        public String visit(ObjectRegistered e) {
            return ids(e.object(), e.adapter());
        }

        @Override
        public String visit(FileOpened e) {
            return ids(e.object(), e.file());
        }

        @Override
        public String visit(OpenRefused e) {
            return ids(e.object(), e.file());
        }

        @Override
        public String visit(Mmapped e) {
            // An mmap of 0 pages fails with EINVAL (do_mmap); a "mapped" VMA of no page would also
            // hide a live mapping from the auditor's zap check.
            String range = pageRange(e.pgoff(), e.pages());
            if (range != null) {
                return range;
            }
            if (e.populated() < 0 || e.populated() > e.pages()) {
                return "'populated' must be between 0 and 'pages' (" + e.pages() + "), got " + e.populated();
            }
            if (e.pfn() != null && (e.pfn() < 0 || e.pages() - 1 > Long.MAX_VALUE - e.pfn())) {
                return "'pfn' must be 0 or more with its 'pages' below 2^63, got " + e.pfn();
            }
            return ids(e.object(), e.file(), e.vma(), e.mapping());
        }

        @Override
        public String visit(MmapRefused e) {
            return ids(e.object(), e.file(), e.vma());
        }

        @Override
        public String visit(VmaDuplicated e) {
            return e.ptes() < 0 ? "'ptes' must be 0 or more, got " + e.ptes() : ids(e.object(), e.vma(), e.from());
        }

        @Override
        public String visit(VmaUnmapped e) {
            String range = pageRange(e.pgoff(), e.pages());
            return range != null ? range : ids(e.object(), e.vma());
        }

        @Override
        public String visit(VmaClosed e) {
            String range = pageRange(e.pgoff(), e.pages());
            return range != null ? range : ids(e.object(), e.vma());
        }

        @Override
        public String visit(Faulted e) {
            return e.pgoff() < 0 ? "'pgoff' must be 0 or more, got " + e.pgoff() : ids(e.object(), e.vma());
        }

        @Override
        public String visit(AccessRefused e) {
            return ids(e.object(), e.file() != null ? e.file() : e.vma());
        }

        @Override
        public String visit(RevokeStarted e) {
            return ids(e.object());
        }

        @Override
        public String visit(RevokeDrained e) {
            return e.waited() < 0 ? "'waited' must be 0 or more, got " + e.waited() : ids(e.object());
        }

        @Override
        public String visit(MappingsZapped e) {
            if (e.vmas() < 0 || e.ptes() < 0) {
                return "'vmas' and 'ptes' must be 0 or more, got " + e.vmas() + " and " + e.ptes();
            }
            if (e.first() < 0 || e.count() < 0 || e.first() > Long.MAX_VALUE - e.count()) {
                return "the range 'first' " + e.first() + ", 'count' " + e.count() + " is outside the file";
            }
            return ids(e.object(), e.mapping());
        }

        @Override
        public String visit(FileReleased e) {
            return ids(e.object(), e.file());
        }

        @Override
        public String visit(RevokeCompleted e) {
            return ids(e.object());
        }

        @Override
        public String visit(FileClosed e) {
            return ids(e.object(), e.file());
        }

        @Override
        public String visit(MemoryToggled e) {
            return ids(e.object(), e.cause());
        }
    };

    /** The problem of a VMA's page range {@code [pgoff, pgoff + pages)}: no page, or outside the file. */
    private static String pageRange(long pgoff, long pages) {
        if (pages <= 0) {
            return "'pages' must be at least 1, got " + pages;
        }
        if (pgoff < 0 || pgoff > Long.MAX_VALUE - pages) {
            return "'pgoff' " + pgoff + " with 'pages' " + pages + " is outside the file";
        }
        return null;
    }

    private static String ids(String... ids) {
        for (String id : ids) {
            if (id.isEmpty()) {
                return "an id is empty";
            }
        }
        return null;
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
