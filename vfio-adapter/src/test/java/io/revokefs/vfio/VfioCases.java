package io.revokefs.vfio;

import io.revokefs.kernel.Errno;
import io.revokefs.kernel.Result;
import io.revokefs.kernel.Signal;
import io.revokefs.kernel.MemoryAccess;
import io.revokefs.kernel.OpenFile;
import io.revokefs.kernel.Process;
import io.revokefs.kernel.Vma;
import io.revokefs.explore.Cases;
import io.revokefs.explore.ExploreCase;
import io.revokefs.explore.Invariant;
import io.revokefs.explore.RaceWorld;

import java.util.ArrayList;
import java.util.List;

import static io.revokefs.explore.Cases.expect;
import static io.revokefs.vfio.VfioWorld.page;

/**
 * The vfio race cases of docs/races.md (R23, R28, R29, R30), built on the real adapter
 * ({@link VfioDevice} on a {@link VfioWorld}), and the planted variants of each. Each world watches
 * the device's object (no live PTE once the hot-unplug returned), and checks
 * {@link #noPteWhileMemoryOff} on the live page tables; the explorer adds the lock order and the
 * section 7 auditor over the log ({@code NO_PTE_WHILE_MEMORY_OFF} there too).
 */
final class VfioCases {
    private VfioCases() {
    }

    static ExploreCase of(String id, String description, VfioPci.Populate populate, VfioDevice.Naive bug,
                          java.util.function.Function<VfioWorld, RaceWorld> build) {
        return ExploreCase.of(id, description, () -> build.apply(new VfioWorld(populate, bug)));
    }

    /** A world on {@code w} that watches the device's object and checks the live page tables. */
    static RaceWorld world(VfioWorld w) {
        RaceWorld world = new RaceWorld(w.kernel, w.log).watch(w.device.object());
        world.check(noPteWhileMemoryOff(w.device));
        return world;
    }

    /** While {@code d}'s memory is off, no VMA of any process that maps the device has a PTE. */
    static Invariant noPteWhileMemoryOff(VfioDevice d) {
        return world -> {
        List<String> out = new ArrayList<>();
        if (d.isMemoryEnabled()) {
            return out;
        }
        for (Process p : world.kernel().processes()) {
            for (Vma v : p.mm().vmas()) {
                if (v.file() != null && v.file().mapping() == d.object().mapping() && p.mm().populatedPages(v) > 0) {
                    out.add("NO_PTE_WHILE_MEMORY_OFF (live): " + v.id() + " of pid " + p.pid() + " keeps "
                            + p.mm().populatedPages(v) + " PTE(s) while the memory of " + d.path() + " is off");
                }
            }
        }
        return out;
        };
    }

    private static void expectLoad(MemoryAccess a, String what) {
        expect(a.isOk() || a.signal() == Signal.SIGBUS, what + ": " + a.outcome());
    }

    /** Every page of every VMA of {@code p} has its PTE (eager: nothing faults back in). */
    static Invariant allPopulated(Process p) {
        return world -> {
            List<String> out = new ArrayList<>();
            for (Vma v : p.mm().vmas()) {
                if (p.mm().populatedPages(v) != v.pages()) {
                    out.add("memory on: " + v.id() + " has " + p.mm().populatedPages(v) + " of " + v.pages() + " pages populated");
                }
            }
            return out;
        };
    }

    // ---------------------------------------------------------------- R28

    /** R28: memory off racing a fault: the fault installed before the zap (and is zapped) or gets SIGBUS. */
    static RaceWorld memoryOffRacingAFault(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 0, 1, 0);
        world.thread("faulter", () -> expectLoad(p.load(page(v, 0)), "load"));
        world.thread("disabler", () -> expect(VfioDevice.writeMemoryBit(p, cfg, false).isOk(), "memory off"));
        world.check("memory off", () -> w.device.isMemoryEnabled() ? "memory is on" : null);
        world.check("SIGBUS after memory off", () -> p.load(page(v, 0)).signal() == Signal.SIGBUS ? null : "the load did not fault with SIGBUS");
        return world;
    }

    // ---------------------------------------------------------------- R29

    /**
     * R29: eager memory on racing a fault (in one process) and an mmap (in another): every VMA is
     * fully populated once the enabler returned.
     */
    static RaceWorld memoryOnRacingAFaultAndAnMmap(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        Process q = w.root();
        OpenFile f = w.open(p);
        OpenFile g = w.open(q);
        Vma v = VfioWorld.mmap(p, f, 0, 2, 0);
        VfioWorld.mmap(q, g, 2, 1, 0);
        expect(VfioDevice.writeMemoryBit(p, f, false).isOk(), "setup: memory off");
        world.thread("enabler", () -> expect(VfioDevice.writeMemoryBit(p, f, true).isOk(), "memory on"));
        world.thread("faulter", () -> expectLoad(p.load(page(v, 1)), "load"));
        world.thread("mmapper", () -> expect(VfioDevice.mmap(q, g, 0, 1, 4).isOk(), "mmap"));
        world.check(allPopulated(p));
        world.check(allPopulated(q));
        return world;
    }

    // ---------------------------------------------------------------- R30

    /** R30: a reset racing hot-unplug: nothing is repopulated after the unplug. */
    static RaceWorld resetRacingHotUnplug(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 0, 2, 0);
        expect(p.load(page(v, 0)).isOk(), "setup load");
        world.thread("resetter", () -> {
            Result<Long> r = VfioDevice.reset(p, f);
            expect(r.isOk() || r.errnoOrNull() == Errno.ENODEV, "reset returned " + r);
        });
        world.thread("unplugger", () -> unplug(w, world));
        world.check("SIGBUS after unplug", () -> p.load(page(v, 1)).signal() == Signal.SIGBUS ? null : "a load after the unplug did not fault");
        return world;
    }

    /** R30: memory on (after an off) racing hot-unplug: nothing is repopulated after the unplug. */
    static RaceWorld memoryOnRacingHotUnplug(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 0, 2, 0);
        expect(VfioDevice.writeMemoryBit(p, f, false).isOk(), "setup: memory off");
        world.thread("enabler", () -> {
            Result<Integer> r = VfioDevice.writeMemoryBit(p, f, true);
            expect(r.isOk() || r.errnoOrNull() == Errno.ENODEV, "memory on returned " + r);
        });
        world.thread("unplugger", () -> unplug(w, world));
        world.check("SIGBUS after unplug", () -> p.load(page(v, 0)).signal() == Signal.SIGBUS ? null : "a load after the unplug did not fault");
        return world;
    }

    /** R30: memory off racing hot-unplug, with a fault: no PTE survives either. */
    static RaceWorld memoryOffRacingHotUnplug(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 0, 1, 0);
        world.thread("disabler", () -> {
            Result<Integer> r = VfioDevice.writeMemoryBit(p, cfg, false);
            expect(r.isOk() || r.errnoOrNull() == Errno.ENODEV, "memory off returned " + r);
        });
        world.thread("unplugger", () -> unplug(w, world));
        world.thread("faulter", () -> expectLoad(p.load(page(v, 0)), "load"));
        return world;
    }

    private static void unplug(VfioWorld w, RaceWorld world) {
        expect(w.bus.remove(VfioWorld.BDF).isOk(), "remove");
        world.revokeReturned(w.device.object());
    }

    // ---------------------------------------------------------------- R23

    /** R23 on vfio: off then on racing a fault and an mmap in the same process; every page is back after. */
    static RaceWorld offOnRacingAFaultAndAnMmap(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        Vma v = VfioWorld.mmap(p, f, 0, 2, 0);
        world.thread("disabler", () -> {
            expect(VfioDevice.writeMemoryBit(p, cfg, false).isOk(), "memory off");
            expect(VfioDevice.writeMemoryBit(p, cfg, true).isOk(), "memory on");
        });
        world.thread("faulter", () -> expectLoad(p.load(page(v, 1)), "load"));
        world.thread("mmapper", () -> expect(VfioDevice.mmap(p, f, 0, 1, 4).isOk(), "mmap"));
        world.check(Cases.allPagesBack(p));
        return world;
    }

    // ---------------------------------------------------------------- R04 on vfio

    /** An mmap racing memory off: with population inside ->mmap the zap misses the new VMA. */
    static RaceWorld mmapRacingMemoryOff(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        OpenFile cfg = w.open(p);
        VfioWorld.mmap(p, f, 0, 1, 0); // the BAR is claimed before the race
        world.thread("mmapper", () -> expect(VfioDevice.mmap(p, f, 0, 2, 2).isOk(), "mmap"));
        world.thread("disabler", () -> expect(VfioDevice.writeMemoryBit(p, cfg, false).isOk(), "memory off"));
        return world;
    }

    /** An mmap racing hot-unplug: with population inside ->mmap the revoke's zap misses the new VMA. */
    static RaceWorld mmapRacingHotUnplug(VfioWorld w) {
        RaceWorld world = world(w);
        Process p = w.root();
        OpenFile f = w.open(p);
        VfioWorld.mmap(p, f, 0, 1, 0);
        world.thread("mmapper", () -> {
            Result<Vma> m = VfioDevice.mmap(p, f, 0, 2, 2);
            expect(m.isOk() || m.errnoOrNull() == Errno.ENODEV, "mmap returned " + m);
        });
        world.thread("unplugger", () -> unplug(w, world));
        return world;
    }
}
