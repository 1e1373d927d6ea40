package io.revokefs.core;

import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RevocableObject#registered}: every revocable object of a kernel, in registration order,
 * every life of an id included; revoke-history's {@code LiveState} builds the live side of "replay
 * equals live" from it. Found by mutation testing (issue 18 point 12): no test of revoke-core or
 * revoke-testing called it (replaced by an empty list, it passed).
 */
class RegisteredObjectsTest {

    @Test
    void everyObjectOfTheKernelIsListedInRegistrationOrderWithEachLifeOfAnId() {
        Sim sim = new Sim();
        RevocableObject second = RevocableObject.builder(sim.kernel(), "test:/dev/second", "test")
                .operations(new TestDriver(Sim.BASE_PFN, Sim.PAGES)).errnos(ErrnoTable.KERNFS).register();
        sim.object().revoke("unregister");
        RevocableObject again = RevocableObject.builder(sim.kernel(), Sim.OBJECT, "test")
                .operations(new TestDriver(Sim.BASE_PFN, Sim.PAGES)).errnos(ErrnoTable.KERNFS).register();
        assertThat(RevocableObject.registered(sim.kernel())).containsExactly(sim.object(), second, again);
        assertThat(again).isNotSameAs(sim.object());
    }
}
