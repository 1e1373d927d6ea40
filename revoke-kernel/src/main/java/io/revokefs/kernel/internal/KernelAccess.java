package io.revokefs.kernel.internal;

import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.KernelObject;
import io.revokefs.kernel.Tracepoints;

/**
 * What the revoke library needs of the simulated kernel and no adapter may use: the kernel's tracepoints
 * (the run's event recorder) and the registration of a new object. {@link Kernel} hands its implementation over in
 * its static initialiser, so these are not public methods of {@code Kernel} (the pattern of the
 * JDK's {@code SharedSecrets}). Internal: used by revoke-core alone.
 */
public final class KernelAccess {
    /** Implemented by {@link Kernel}. */
    public interface Access {
        Tracepoints tracepoints(Kernel kernel);

        void addObject(Kernel kernel, KernelObject object);
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

    /** What {@code kernel} reports to: the run's event recorder. */
    public static Tracepoints tracepoints(Kernel kernel) {
        return access.tracepoints(kernel);
    }

    /** {@code object} starts a life in {@code kernel} (by {@code ObjectBuilder#register()}). */
    public static void addObject(Kernel kernel, KernelObject object) {
        access.addObject(kernel, object);
    }
}
