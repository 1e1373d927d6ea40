package io.revokefs.explore;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.core.RevocableObject;
import io.revokefs.core.event.InMemoryEventLog;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.core.testing.Sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * What one schedule runs: a simulated kernel with its event log, the threads that race (in
 * declaration order: the indices of a {@link Schedule}), and what must hold afterwards.
 *
 * <p>Set up everything before the threads run (on the explorer's thread, outside the schedule):
 * the world must be the same every time {@link ExploreCase#newWorld()} builds it. The standard checks
 * ({@link Invariants}) use what the world declares: the objects whose mappings must be empty after a
 * revoke returned ({@link #watch}, {@link #revoke}), the files whose driver release must run at most
 * once, and exactly once when their object was revoked ({@link #track}).
 */
public final class RaceWorld {
    private final Kernel kernel;
    private final InMemoryEventLog log;
    private final Map<String, Runnable> threads = new LinkedHashMap<>();
    private final List<Invariant> checks = new ArrayList<>();
    private final List<RevocableObject> watched = new ArrayList<>();
    private final Map<OpenFile, RevocableObject> tracked = new LinkedHashMap<>();
    private final Set<RevocableObject> revokeReturned = ConcurrentHashMap.newKeySet();
    private ToIntFunction<OpenFile> releaseCount;
    private boolean declared;

    public RaceWorld(Kernel kernel, InMemoryEventLog log) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** A world around a {@link Sim}: its object is watched and its driver counts releases. */
    public static RaceWorld of(Sim sim) {
        RaceWorld w = new RaceWorld(sim.kernel(), sim.log()).declared();
        w.watch(sim.object());
        w.countReleasesWith(sim.driver()::releasesOf);
        return w;
    }

    public Kernel kernel() {
        return kernel;
    }

    public InMemoryEventLog log() {
        return log;
    }

    /** Adds a racing thread; threads are numbered in the order they are added. */
    public RaceWorld thread(String name, Runnable body) {
        if (threads.putIfAbsent(Objects.requireNonNull(name, "name"), Objects.requireNonNull(body, "body")) != null) {
            throw new IllegalArgumentException("two threads named " + name);
        }
        return this;
    }

    /** Adds a case-specific check; {@code failure} returns a message, or null when all is well. */
    public RaceWorld check(String name, Supplier<String> failure) {
        checks.add(w -> {
            String m = failure.get();
            return m == null ? List.of() : List.of(name + ": " + m);
        });
        return this;
    }

    public RaceWorld check(Invariant invariant) {
        checks.add(invariant);
        return this;
    }

    /** An object whose mappings must hold no PTE once a {@link #revoke} of it returned. */
    public RaceWorld watch(RevocableObject object) {
        watched.add(object);
        return this;
    }

    /** A file whose driver release must run at most once, and once if {@code object} was revoked. */
    public OpenFile track(OpenFile file, RevocableObject object) {
        tracked.put(file, object);
        return file;
    }

    /** {@link #track(OpenFile, RevocableObject)} for the first watched object. */
    public OpenFile track(OpenFile file) {
        return track(file, watched.isEmpty() ? null : watched.get(0));
    }

    /** How the standard release check counts the driver's releases of a file. */
    public RaceWorld countReleasesWith(ToIntFunction<OpenFile> count) {
        this.releaseCount = count;
        return this;
    }

    /** Revokes {@code object} and remembers that the revoke returned (for the no-live-PTE check). */
    public RevocableObject.RevokeOutcome revoke(RevocableObject object, String cause) {
        RevocableObject.RevokeOutcome o = object.revoke(cause);
        revokeReturned.add(object);
        return o;
    }

    /** Marks a revoke done by other means (a wrapper, an adapter) as returned. */
    public void revokeReturned(RevocableObject object) {
        revokeReturned.add(object);
    }

    public boolean hasRevokeReturned(RevocableObject object) {
        return revokeReturned.contains(object);
    }

    /** The racing threads' names, in order: thread i of a {@link Schedule}. */
    public List<String> threadNames() {
        return new ArrayList<>(threads.keySet());
    }

    List<Runnable> threadBodies() {
        List<Runnable> out = new ArrayList<>();
        for (Runnable body : threads.values()) {
            out.add(declared ? body : () -> {
                Interleave.undeclaredFromNowOn();
                body.run();
            });
        }
        return out;
    }

    /**
     * Says that this world's threads run only code whose shared state is declared
     * ({@link Interleave#touch}): the kernel, the library, the test driver, and the case's own
     * bodies. Only then does the explorer commute their independent steps (sleep sets); the threads
     * of any other world (adapters, scripts, a test's own driver) count every step as touching
     * everything. {@link #of(Sim)} worlds are declared.
     */
    public RaceWorld declared() {
        this.declared = true;
        return this;
    }

    List<Invariant> caseChecks() {
        return Collections.unmodifiableList(checks);
    }

    public List<RevocableObject> watched() {
        return Collections.unmodifiableList(watched);
    }

    public Map<OpenFile, RevocableObject> tracked() {
        return Collections.unmodifiableMap(tracked);
    }

    ToIntFunction<OpenFile> releaseCount() {
        return releaseCount;
    }
}
