package io.revokefs.explore;

import io.revokefs.kernel.internal.Interleave;
import io.revokefs.kernel.PfnMapping;
import io.revokefs.kernel.Errno;
import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.PollBit;
import io.revokefs.kernel.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.core.testing.Sim;
import io.revokefs.core.testing.TestDriver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The docs/races.md cases that revoke-core can run on its own, on the test device of {@link Sim} (16 pages
 * of MMIO behind a {@link TestDriver}, kernfs errnos). Each builds a small world, two or three threads,
 * and the checks of its row of docs/races.md; the standard checks ({@link Invariants}, the log checks)
 * come on top. Inside a thread, a wrong result throws (see {@link #expect}), which the explorer
 * reports with the schedule that led to it.
 */
public final class Cases {
    private Cases() {
    }

    private static final Map<String, ExploreCase> ALL = new LinkedHashMap<>();

    static {
        add(ExploreCase.of("R01", "read in flight vs revoke: it completes, or is refused with ENODEV", Cases::r01));
        add(ExploreCase.of("R02", "fault in flight vs revoke: PTE installed then zapped, or SIGBUS", Cases::r02));
        add(ExploreCase.of("R03", "mmap racing revoke: refused with ENODEV, or mapped and zapped", Cases::r03));
        add(ExploreCase.of("R04", "eager population after link racing the zap: no live PTE",
                () -> populateRacingZap(PfnMapping.Populate.AFTER_LINK)));
        add(ExploreCase.of("R05", "close racing revoke: one release, by whichever wins", Cases::r05));
        add(ExploreCase.of("R07", "a write that revokes its own object and another: no deadlock", () -> selfRemoval(true)));
        add(ExploreCase.of("R09", "fork racing revoke: no live PTE in parent or child", Cases::r09));
        add(ExploreCase.of("R13", "a second inode of the device sharing its mapping: its PTEs are zapped too", Cases::r13));
        add(ExploreCase.of("R17", "reader blocked for an interrupt vs unregister: wakes with EIO", Cases::r17));
        add(ExploreCase.of("R19", "poll waiter vs revoke: woken, sees POLLERR", Cases::r19));
        add(ExploreCase.of("R21", "a reader and a faulter vs revoke: nothing succeeds after revoke returned", Cases::r21));
        add(ExploreCase.of("R22", "revoke racing revoke with a read in flight: one life of events", Cases::r22));
        add(ExploreCase.of("R23", "disable and re-enable racing a fault and an mmap: lock order, all pages back", Cases::r23));
        add(ExploreCase.of("R24", "exit racing the zap: no use of a freed page table, one release", Cases::r24));
    }

    private static void add(ExploreCase c) {
        ALL.put(c.id(), c);
    }

    /** Every case, in id order. */
    public static List<ExploreCase> all() {
        return new ArrayList<>(ALL.values());
    }

    /** The case with this id; IllegalArgumentException when there is none. */
    public static ExploreCase byId(String id) {
        ExploreCase c = ALL.get(id);
        if (c == null) {
            throw new IllegalArgumentException("no case " + id + "; known: " + ALL.keySet());
        }
        return c;
    }

    /** Inside a racing thread: a wrong result fails the schedule. */
    public static void expect(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static void expectLoad(MemoryAccess a, String what) {
        expect(a.isOk() || a.signal() == Signal.SIGBUS, what + ": " + a.outcome());
    }

    // ---------------------------------------------------------------- the cases

    static RaceWorld r01() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        w.thread("reader", () -> {
            Result<byte[]> r = p.read(f, 4);
            expect(r.isOk() || r.errnoOrNull() == Errno.ENODEV, "read returned " + r);
        });
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        w.check("read after revoke", () -> p.read(f, 4).errnoOrNull() == Errno.ENODEV ? null : "not ENODEV");
        return w;
    }

    static RaceWorld r02() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        Vma v = sim.mmap(p, f, 1, 0);
        w.thread("faulter", () -> expectLoad(p.load(Sim.page(v, 0)), "load"));
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        w.check("access after revoke", () -> p.load(Sim.page(v, 0)).signal() == Signal.SIGBUS ? null : "not SIGBUS");
        return w;
    }

    static RaceWorld r03() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        w.thread("mmapper", () -> {
            Result<Vma> m = p.mmap(f, 2, 0, true);
            if (m.isOk()) {
                expectLoad(p.load(Sim.page(m.value(), 1)), "load");
            } else {
                expect(m.errnoOrNull() == Errno.ENODEV, "mmap refused with " + m.errnoOrNull());
            }
        });
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        return w;
    }

    /** R04 with the driver populating its mappings as {@code populate} says. */
    public static RaceWorld populateRacingZap(PfnMapping.Populate populate) {
        Sim sim = new Sim();
        sim.driver().setPopulate(populate);
        return populateRacingZap(sim);
    }

    /** R04's control: the driver populates inside {@code ->mmap}, the naive (Linux) way (planted). */
    public static RaceWorld populateInsideMmapRacingZap() {
        Sim sim = new Sim();
        sim.driver().plantPopulateInsideMmap();
        return populateRacingZap(sim);
    }

    private static RaceWorld populateRacingZap(Sim sim) {
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        w.thread("mmapper", () -> {
            Result<Vma> m = p.mmap(f, 2, 0, true);
            expect(m.isOk() || m.errnoOrNull() == Errno.ENODEV, "mmap refused with " + m.errnoOrNull());
        });
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        return w;
    }

    static RaceWorld r05() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        w.thread("closer", () -> expect(p.close(f).isOk(), "close failed"));
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        return w;
    }

    /**
     * R07: a {@code remove} attribute whose write revokes the device and then the attribute itself,
     * racing a reader of the device. With {@code breakProtection} false the write revokes from inside
     * its own active reference: the naive way, which deadlocks.
     */
    public static RaceWorld selfRemoval(boolean breakProtection) {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        AtomicReference<RevocableObject> attr = new AtomicReference<>();
        FileOperations removeOps = new FileOperations() {
            @Override
            public Result<Integer> write(OpenFile file, byte[] data) {
                RevocableObject self = attr.get();
                if (breakProtection) {
                    self.withProtectionBroken(() -> {
                        w.revoke(sim.object(), "hot-unplug");
                        return w.revoke(self, "hot-unplug");
                    });
                } else {
                    w.revoke(sim.object(), "hot-unplug");
                    w.revoke(self, "hot-unplug");
                }
                return Result.ok(data.length);
            }
        };
        attr.set(RevocableObject.builder(sim.kernel(), "test:/remove", "test").operations(removeOps)
                .errnos(ErrnoTable.KERNFS).register());
        w.watch(attr.get());
        Inode node = sim.kernel().newInode("/remove", 0200, 0, attr.get().fileOperations(), attr.get().mapping(), null);
        Process p = sim.root();
        OpenFile dev = w.track(sim.open(p), sim.object());
        OpenFile remove = p.open(node, false).value();
        w.thread("remover", () -> {
            Result<Integer> r = p.write(remove, new byte[] {'1'});
            expect(r.isOk() && r.value() == 1, "write to remove returned " + r);
        });
        w.thread("reader", () -> {
            Result<byte[]> r = p.read(dev, 4);
            expect(r.isOk() || r.errnoOrNull() == Errno.ENODEV, "read returned " + r);
        });
        w.check("both revoked", () -> sim.object().isRevoked() && attr.get().isRevoked() ? null : "an object is not revoked");
        return w;
    }

    static RaceWorld r09() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        Vma v = sim.mmap(p, f, 2, 0);
        expect(p.load(Sim.page(v, 0)).isOk(), "setup load");
        w.thread("forker", () -> {
            Process child = p.fork();
            Vma c = child.mm().vmas().get(0);
            expectLoad(child.load(Sim.page(c, 1)), "child load");
        });
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        return w;
    }

    /**
     * R13: a second inode of the device (a {@code mknod} alias) whose {@code i_mapping} is the
     * object's own, so one zap reaches the mappings made through either.
     */
    static RaceWorld r13() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Inode alias = sim.kernel().newInode("/dev/test0-alias", 0600, 0, sim.object().fileOperations(), sim.object().mapping(), null);
        return aliasWorld(sim, w, alias);
    }

    /** Two processes map the device, one through {@code alias}, and fault while it is revoked. */
    public static RaceWorld aliasWorld(Sim sim, RaceWorld w, Inode alias) {
        Process p = sim.root();
        Process q = sim.root();
        OpenFile f = w.track(sim.open(p));
        OpenFile g = w.track(q.open(alias, false).value());
        Vma v = sim.mmap(p, f, 1, 0);
        Vma u = sim.mmap(q, g, 1, 0);
        w.thread("faulter", () -> {
            expectLoad(q.load(Sim.page(u, 0)), "load through the alias");
            expectLoad(p.load(Sim.page(v, 0)), "load");
        });
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        return w;
    }

    static RaceWorld r17() {
        Sim sim = new Sim();
        sim.driver().setBlockingReads(true);
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        w.thread("reader", () -> {
            Result<byte[]> r = p.read(f, 1);
            expect(r.errnoOrNull() == Errno.EIO || r.errnoOrNull() == Errno.ENODEV, "blocked read returned " + r);
        });
        w.thread("unregister", () -> w.revoke(sim.object(), "unregister"));
        return w;
    }

    static RaceWorld r19() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        w.thread("poller", () -> {
            Result<Set<PollBit>> r = p.pollWait(f, Set.of(PollBit.POLLIN));
            expect(r.isOk() && r.value().contains(PollBit.POLLERR), "poll returned " + r);
        });
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        return w;
    }

    static RaceWorld r21() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        Process q = sim.root();
        OpenFile f = w.track(sim.open(p));
        OpenFile g = w.track(sim.open(q));
        AtomicBoolean revoked = new AtomicBoolean();
        w.thread("reader", () -> {
            for (int i = 0; i < 2; i++) {
                Interleave.touch("R21 revoked", false); // the case's own shared state, declared like the library's
                boolean after = revoked.get();
                Result<byte[]> r = p.read(f, 4);
                expect(!(after && r.isOk()), "a read that started after revoke returned succeeded");
            }
        });
        w.thread("faulter", () -> {
            Interleave.touch("R21 revoked", false);
            boolean after = revoked.get();
            Result<Vma> m = q.mmap(g, 1, 3, true);
            expect(!(after && m.isOk()), "an mmap that started after revoke returned succeeded");
            if (m.isOk()) {
                Interleave.touch("R21 revoked", false);
                boolean late = revoked.get();
                MemoryAccess a = q.load(m.value().start());
                expectLoad(a, "load");
                expect(!(late && a.isOk()), "a load that started after revoke returned succeeded");
                expect(q.munmap(m.value().start(), 1).isOk(), "munmap");
            }
        });
        w.thread("revoker", () -> {
            w.revoke(sim.object(), "test");
            Interleave.touch("R21 revoked", true);
            revoked.set(true);
        });
        return w;
    }

    static RaceWorld r22() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        List<Boolean> firsts = java.util.Collections.synchronizedList(new ArrayList<>());
        w.thread("reader", () -> {
            Result<byte[]> r = p.read(f, 4);
            expect(r.isOk() || r.errnoOrNull() == Errno.ENODEV, "read returned " + r);
        });
        w.thread("revoker-a", () -> {
            boolean first = w.revoke(sim.object(), "a").first();
            Interleave.touchAdd("R22 firsts"); // only counted afterwards: the order of the adds is not observed
            firsts.add(first);
        });
        w.thread("revoker-b", () -> {
            boolean first = w.revoke(sim.object(), "b").first();
            Interleave.touchAdd("R22 firsts");
            firsts.add(first);
        });
        w.check("one first revoke", () -> firsts.stream().filter(b -> b).count() == 1 && firsts.size() == 2
                ? null : "outcomes' first flags " + firsts);
        return w;
    }

    static RaceWorld r23() {
        return disableReenable(sim -> sim.object().repopulateMappings());
    }

    /**
     * R23: a vfio-style disable (zap) and re-enable, racing a fault and an mmap in the same process;
     * {@code reenable} repopulates the eager mappings ({@link RevocableObject#repopulateMappings()} is
     * the library's way, with {@code mmap_lock} before {@code i_mmap_rwsem}).
     */
    public static RaceWorld disableReenable(java.util.function.Consumer<Sim> reenable) {
        Sim sim = new Sim();
        sim.driver().setPopulate(PfnMapping.Populate.AFTER_LINK);
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        Vma v = sim.mmap(p, f, 2, 0);
        w.thread("disabler", () -> {
            sim.driver().setMemoryEnabled(false);
            sim.object().zapMappings();
            sim.driver().setMemoryEnabled(true);
            reenable.accept(sim);
        });
        w.thread("faulter", () -> expectLoad(p.load(Sim.page(v, 1)), "load"));
        w.thread("mmapper", () -> expect(p.mmap(f, 1, 4, true).isOk(), "mmap"));
        w.check(allPagesBack(p));
        return w;
    }

    /** After re-enable every page of every VMA of {@code p} is reachable again (by PTE or by fault). */
    public static Invariant allPagesBack(Process p) {
        return world -> {
            List<String> out = new ArrayList<>();
            for (Vma v : p.mm().vmas()) {
                for (int i = 0; i < v.pages(); i++) {
                    MemoryAccess a = p.load(Sim.page(v, i));
                    if (!a.isOk()) {
                        out.add("re-enable: page " + i + " of " + v.id() + " gives " + a.outcome());
                    }
                }
            }
            return out;
        };
    }

    static RaceWorld r24() {
        Sim sim = new Sim();
        RaceWorld w = RaceWorld.of(sim);
        Process p = sim.root();
        OpenFile f = w.track(sim.open(p));
        Vma v = sim.mmap(p, f, 2, 0);
        expect(p.load(Sim.page(v, 0)).isOk(), "setup load");
        Process child = p.fork();
        w.thread("exiter", p::exit);
        w.thread("revoker", () -> w.revoke(sim.object(), "test"));
        w.thread("child-exiter", child::exit);
        return w;
    }
}
