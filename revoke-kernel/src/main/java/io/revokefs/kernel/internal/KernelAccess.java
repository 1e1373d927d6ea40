package io.revokefs.kernel.internal;

import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.EventRecorder;
import io.revokefs.kernel.Kernel;

/**
 * What the revoke library needs of the simulated kernel and no adapter may use: the kernel's event
 * recorder and the registration of a new object. {@link Kernel} hands its implementation over in
 * its static initialiser, so these are not public methods of {@code Kernel} (the pattern of the
 * JDK's {@code SharedSecrets}). Internal: used by revoke-core alone.
 */
public final class KernelAccess {
    /** Implemented by {@link Kernel}. */
    public interface Access {
        EventRecorder recorder(Kernel kernel);

        void addObject(Kernel kernel, RevocableObject object);
    }

    private static volatile Access access;

    private KernelAccess() {
    }

    /** Called once, by {@link Kernel}'s static initialiser. */
    public static void set(Access a) {
        if (access != null) {
            throw new IllegalStateException("kernel access already set");
        }
        access = a;
    }

    /** The recorder of {@code kernel}'s event log. */
    public static EventRecorder recorder(Kernel kernel) {
        return access.recorder(kernel);
    }

    /** {@code object} starts a life in {@code kernel} (by {@code ObjectBuilder#register()}). */
    public static void addObject(Kernel kernel, RevocableObject object) {
        access.addObject(kernel, object);
    }
}
