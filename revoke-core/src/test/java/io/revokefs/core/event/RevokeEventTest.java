package io.revokefs.core.event;

import io.revokefs.kernel.Errno;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * The event records as their consumers use them (found by mutation testing, issue 18 point 12:
 * every {@code accept} replaced by {@code return null} and every compact constructor's null check
 * removed passed the whole suite). The auditor, replay, the codec's checks and the report all
 * dispatch through {@link RevokeEvent#accept}, so an event handed to the wrong visit method, or to
 * none, is an event those consumers never see; and the log writer leaves a null field out of the
 * line, so an event with a null required field would be written as a line the reader refuses
 * ("missing required field"): such an event must not be constructible. The names and the required
 * fields below are those of docs/semantics.md section 7 (the schema), written out here, not read
 * from the records.
 */
class RevokeEventTest {

    /** One event of each type, every optional field set, so that nulling one is a change. */
    private static final List<RevokeEvent> ONE_OF_EACH = List.of(
            new RevokeEvent.ObjectRegistered("o", "sysfs"),
            new RevokeEvent.FileOpened("o", "file-1", 10),
            new RevokeEvent.OpenRefused("o", "file-2", 10, Errno.ENODEV, "ENODEV"),
            new RevokeEvent.Mmapped("o", "file-1", "vma-1", 10, 0, 4, "mapping-1", 4, 0x80000L),
            new RevokeEvent.MmapRefused("o", "file-1", "vma-2", 10, 0, 4, Errno.ENODEV, "revoked", "ENODEV"),
            new RevokeEvent.VmaDuplicated("o", "vma-3", "vma-1", 11, 4),
            new RevokeEvent.VmaUnmapped("o", "vma-3", 0, 4),
            new RevokeEvent.VmaClosed("o", "vma-3", 0, 4, RevokeEvent.VmaClosed.Cause.UNMAP),
            new RevokeEvent.Faulted("o", "vma-1", 2, RevokeEvent.Faulted.POPULATE),
            new RevokeEvent.AccessRefused("o", "read", "ENODEV", "file-1", null, RevokeEvent.AccessRefused.DRIVER, "ok"),
            new RevokeEvent.RevokeStarted("o", "hot-unplug"),
            new RevokeEvent.RevokeDrained("o", 0),
            new RevokeEvent.MappingsZapped("o", 1, 4, "mapping-1", 0, 16),
            new RevokeEvent.FileReleased("o", "file-1", ReleaseCause.REVOKE),
            new RevokeEvent.RevokeCompleted("o"),
            new RevokeEvent.FileClosed("o", "file-1"),
            new RevokeEvent.MemoryToggled("o", RevokeEvent.MemoryToggled.OFF, "config-write"));

    /** The schema's required fields of each type (the envelope's {@code object} included). */
    private static final Map<String, Set<String>> REQUIRED = Map.ofEntries(
            Map.entry("ObjectRegistered", Set.of("object", "adapter")),
            Map.entry("FileOpened", Set.of("object", "file")),
            Map.entry("OpenRefused", Set.of("object", "file", "errno")),
            Map.entry("Mmapped", Set.of("object", "file", "vma", "mapping")),
            Map.entry("MmapRefused", Set.of("object", "file", "vma", "errno", "reason")),
            Map.entry("VmaDuplicated", Set.of("object", "vma", "from")),
            Map.entry("VmaUnmapped", Set.of("object", "vma")),
            Map.entry("VmaClosed", Set.of("object", "vma", "cause")),
            Map.entry("Faulted", Set.of("object", "vma")),
            Map.entry("AccessRefused", Set.of("object", "op", "result")),
            Map.entry("RevokeStarted", Set.of("object", "cause")),
            Map.entry("RevokeDrained", Set.of("object")),
            Map.entry("MappingsZapped", Set.of("object", "mapping")),
            Map.entry("FileReleased", Set.of("object", "file", "cause")),
            Map.entry("RevokeCompleted", Set.of("object")),
            Map.entry("FileClosed", Set.of("object", "file")),
            Map.entry("MemoryToggled", Set.of("object", "memory", "cause")));

    /** Answers the name of the visit method called, written out per overload. */
    private static final RevokeEvent.Visitor<String> NAMES = new RevokeEvent.Visitor<>() {
        @Override
        public String visit(RevokeEvent.ObjectRegistered e) {
            return "ObjectRegistered";
        }

        @Override
        public String visit(RevokeEvent.FileOpened e) {
            return "FileOpened";
        }

        @Override
        public String visit(RevokeEvent.OpenRefused e) {
            return "OpenRefused";
        }

        @Override
        public String visit(RevokeEvent.Mmapped e) {
            return "Mmapped";
        }

        @Override
        public String visit(RevokeEvent.MmapRefused e) {
            return "MmapRefused";
        }

        @Override
        public String visit(RevokeEvent.VmaDuplicated e) {
            return "VmaDuplicated";
        }

        @Override
        public String visit(RevokeEvent.VmaUnmapped e) {
            return "VmaUnmapped";
        }

        @Override
        public String visit(RevokeEvent.VmaClosed e) {
            return "VmaClosed";
        }

        @Override
        public String visit(RevokeEvent.Faulted e) {
            return "Faulted";
        }

        @Override
        public String visit(RevokeEvent.AccessRefused e) {
            return "AccessRefused";
        }

        @Override
        public String visit(RevokeEvent.RevokeStarted e) {
            return "RevokeStarted";
        }

        @Override
        public String visit(RevokeEvent.RevokeDrained e) {
            return "RevokeDrained";
        }

        @Override
        public String visit(RevokeEvent.MappingsZapped e) {
            return "MappingsZapped";
        }

        @Override
        public String visit(RevokeEvent.FileReleased e) {
            return "FileReleased";
        }

        @Override
        public String visit(RevokeEvent.RevokeCompleted e) {
            return "RevokeCompleted";
        }

        @Override
        public String visit(RevokeEvent.FileClosed e) {
            return "FileClosed";
        }

        @Override
        public String visit(RevokeEvent.MemoryToggled e) {
            return "MemoryToggled";
        }
    };

    @Test
    void theSamplesCoverEveryEventTypeOfTheSchema() {
        assertThat(Arrays.stream(RevokeEvent.class.getPermittedSubclasses()).map(Class::getSimpleName))
                .as("the sealed interface's types are the schema's")
                .containsExactlyInAnyOrderElementsOf(REQUIRED.keySet());
        assertThat(ONE_OF_EACH.stream().map(e -> e.getClass().getSimpleName()))
                .containsExactlyInAnyOrderElementsOf(REQUIRED.keySet());
    }

    @Test
    void everyEventIsDispatchedToTheVisitMethodOfItsOwnTypeAndNamedAsTheSchemaNamesIt() {
        for (RevokeEvent e : ONE_OF_EACH) {
            String name = e.getClass().getSimpleName();
            assertThat(e.accept(NAMES)).as("%s.accept", name).isEqualTo(name);
            assertThat(e.type()).as("the type field of %s", name).isEqualTo(name);
            assertThat(new RecordedEvent(1, 0, e).type()).isEqualTo(name);
        }
    }

    @Test
    void anEventWithANullRequiredFieldCannotBeMadeAndOneWithANullOptionalFieldCan() throws Exception {
        for (RevokeEvent e : ONE_OF_EACH) {
            String type = e.getClass().getSimpleName();
            RecordComponent[] components = e.getClass().getRecordComponents();
            Constructor<?> canonical = e.getClass().getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            List<String> nullable = new ArrayList<>();
            for (int i = 0; i < components.length; i++) {
                if (components[i].getType().isPrimitive()) {
                    continue;
                }
                Object[] args = new Object[components.length];
                for (int j = 0; j < components.length; j++) {
                    args[j] = components[j].getAccessor().invoke(e);
                }
                args[i] = null;
                String field = components[i].getName();
                try {
                    canonical.newInstance(args);
                    nullable.add(field);
                } catch (InvocationTargetException refused) {
                    if (type.equals("AccessRefused") && field.equals("file")) {
                        // The sample's vma is null: without its file it names neither.
                        assertThat(refused.getCause()).isInstanceOf(IllegalArgumentException.class);
                        continue;
                    }
                    assertThat(refused.getCause()).as("%s without %s", type, field)
                            .isInstanceOf(NullPointerException.class)
                            .hasMessage("a required event field is null");
                }
            }
            Set<String> expectedNullable = Arrays.stream(components)
                    .filter(c -> !c.getType().isPrimitive())
                    .map(RecordComponent::getName)
                    .filter(n -> !REQUIRED.get(type).contains(n))
                    .collect(Collectors.toSet());
            if (type.equals("AccessRefused")) {
                expectedNullable.remove("file"); // refused for naming neither file nor vma (above)
            }
            assertThat(nullable).as("the fields of %s that may be null", type).containsExactlyInAnyOrderElementsOf(expectedNullable);
        }
    }

    @Test
    void anAccessRefusalNamesExactlyOneOfFileAndVma() {
        assertThat(new RevokeEvent.AccessRefused("o", "fault", "SIGBUS", null, "vma-1").vma()).isEqualTo("vma-1");
        assertThat(new RevokeEvent.AccessRefused("o", "read", "ENODEV", "file-1", null).file()).isEqualTo("file-1");
        assertThatIllegalArgumentException().isThrownBy(() -> new RevokeEvent.AccessRefused("o", "read", "ENODEV", null, null))
                .withMessage("AccessRefused names exactly one of file and vma");
        assertThatIllegalArgumentException().isThrownBy(() -> new RevokeEvent.AccessRefused("o", "read", "ENODEV", "file-1", "vma-1"))
                .withMessage("AccessRefused names exactly one of file and vma");
    }

    @Test
    void memoryIsOffOrOnAndIsOffSaysWhich() {
        // The auditor's NO_PTE_WHILE_MEMORY_OFF starts and ends its window on isOff.
        assertThat(new RevokeEvent.MemoryToggled("o", "off", "config-write").isOff()).isTrue();
        assertThat(new RevokeEvent.MemoryToggled("o", "on", "reset").isOff()).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new RevokeEvent.MemoryToggled("o", "OFF", "reset"))
                .withMessage("memory must be 'off' or 'on', got 'OFF'");
        assertThatIllegalArgumentException().isThrownBy(() -> new RevokeEvent.MemoryToggled("o", "", "reset"));
    }
}
