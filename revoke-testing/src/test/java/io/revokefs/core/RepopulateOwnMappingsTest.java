package io.revokefs.core;

import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.core.event.RecordedEvent;
import io.revokefs.core.event.RevokeEvent;
import io.revokefs.core.testing.TestDriver;
import io.revokefs.kernel.AddressSpace;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * R23's re-enable repopulates the object's own empty VMAs and nothing else: not a VMA of another
 * object that shares its mapping (two files aliasing one BAR through one {@code address_space}, as
 * a sysfs resource file and /dev/mem share the iomem mapping), whose own re-enable is its owner's
 * to do, and not a VMA that still has its PTEs. Found by mutation testing (issue 18 point 12):
 * {@link RevocableObject#repopulateMappings}'s filter replaced by {@code true} passed every test,
 * each of which had one object per mapping.
 */
class RepopulateOwnMappingsTest {
    private static final long BASE_PFN = 0x90000;
    private static final long PAGES = 4;

    private final InMemoryEventLog log = new InMemoryEventLog();
    private final Kernel kernel = new Kernel(log);
    private final AddressSpace shared = kernel.newAddressSpace("bar0");

    private final class Alias {
        final TestDriver driver = new TestDriver(BASE_PFN, PAGES);
        final RevocableObject object;
        final Process p = kernel.newProcess(0);
        final Vma vma;

        Alias(String id) {
            driver.setPopulate(PfnMapping.Populate.AFTER_LINK);
            object = RevocableObject.builder(kernel, id, "test").operations(driver).errnos(ErrnoTable.KERNFS)
                    .mapping(shared).register();
            driver.attach(object);
            var inode = kernel.newInode("/dev/" + id.substring(id.lastIndexOf('/') + 1), 0600, 0,
                    object.fileOperations(), shared, null);
            vma = p.mmap(p.open(inode, false).value(), PAGES, 0, true).value();
        }

        long faultedEvents() {
            return log.eventsOf(object.id()).stream().map(RecordedEvent::event)
                    .filter(e -> e instanceof RevokeEvent.Faulted).count();
        }
    }

    @Test
    void reenablingOneObjectRepopulatesItsOwnVmasAndNotThoseOfAnotherObjectSharingItsMapping() {
        kernel.physicalMemory().addMmio(BASE_PFN, PAGES, "bar0");
        Alias a = new Alias("test:/dev/a0");
        Alias b = new Alias("test:/dev/b0");
        assertThat(a.p.mm().populatedPages(a.vma)).isEqualTo(PAGES);
        assertThat(b.p.mm().populatedPages(b.vma)).isEqualTo(PAGES);

        // a's disable zaps its range of the shared mapping: b's VMA loses its PTEs too.
        a.driver.setMemoryEnabled(false);
        assertThat(a.object.zapMappings().vmas()).isEqualTo(2);
        assertThat(b.p.mm().populatedPages(b.vma)).isZero();
        a.driver.setMemoryEnabled(true);
        long bFaulted = b.faultedEvents();

        assertThat(a.object.repopulateMappings()).as("a's one VMA").isEqualTo(1);
        assertThat(a.p.mm().populatedPages(a.vma)).isEqualTo(PAGES);
        assertThat(b.p.mm().populatedPages(b.vma)).as("b's VMA is b's to repopulate").isZero();
        assertThat(b.faultedEvents()).isEqualTo(bFaulted);

        assertThat(b.object.repopulateMappings()).isEqualTo(1);
        assertThat(b.p.mm().populatedPages(b.vma)).isEqualTo(PAGES);
    }

    @Test
    void aVmaThatKeptItsPtesIsNotRepopulatedAgain() {
        kernel.physicalMemory().addMmio(BASE_PFN, PAGES, "bar0");
        Alias a = new Alias("test:/dev/a0");
        long faulted = a.faultedEvents();
        assertThat(faulted).as("populated after link").isEqualTo(PAGES);
        assertThat(a.object.repopulateMappings()).isZero();
        assertThat(a.faultedEvents()).as("no second Faulted for a page already mapped").isEqualTo(faulted);
    }
}
