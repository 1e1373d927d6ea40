package org.example.foo;

import io.revokefs.core.ErrnoTable;
import io.revokefs.kernel.Result;
import io.revokefs.core.RevocableObject;
import io.revokefs.kernel.FileOperations;
import io.revokefs.kernel.Inode;
import io.revokefs.kernel.Kernel;
import io.revokefs.kernel.OpenFile;
import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.GlobalVerb;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.VerbShape;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * An adapter written outside revokefs, against its public interfaces only (revoke-kernel, revoke-core and
 * revoke-scenario): character devices /dev/fooN whose read says "foo", made with {@code foo fooN}
 * and hot-unplugged with {@code unbind fooN} (not {@code unplug}, the in-tree cdev adapter's verb:
 * verbs are unique across adapters). The test compiles this file, jars it with its META-INF/services
 * entry, and drives it through {@code --adapter-path}.
 */
public final class FooScenarioProvider implements ScenarioProvider {

    /** A world's foo devices. */
    static final class Foos {
        final Kernel kernel;
        final Map<String, RevocableObject> live = new HashMap<>();

        Foos(Kernel kernel) {
            this.kernel = kernel;
        }

        synchronized String add(String name) {
            String path = "/dev/" + name;
            if (kernel.lookup(path).isOk()) {
                return "EEXIST";
            }
            byte[] text = "foo\n".getBytes(StandardCharsets.US_ASCII);
            RevocableObject o = RevocableObject.builder(kernel, "foo:" + path, "foo").operations(new FileOperations() {
                @Override
                public Result<byte[]> read(OpenFile file, int count) {
                    return Result.ok(text);
                }

                @Override
                public Result<Integer> write(OpenFile file, byte[] data) {
                    return Result.ok(data.length);
                }
            }).errnos(ErrnoTable.KERNFS).register();
            Inode inode = kernel.newInode(path, 0666, 0, o.fileOperations(), o.mapping(), null);
            kernel.bind(path, inode);
            live.put(name, o);
            return "ok";
        }

        String unplug(String name) {
            RevocableObject o;
            synchronized (this) {
                o = live.remove(name);
                if (o == null) {
                    return "ENODEV";
                }
                kernel.unbind("/dev/" + name);
            }
            o.revoke("unplug");
            return "ok";
        }
    }

    @Override
    public String name() {
        return "foo";
    }

    @Override
    public List<String> paths() {
        return List.of("/dev/fooN");
    }

    @Override
    public void install(ScenarioWorld world) {
        world.provide(Foos.class, new Foos(world.kernel()));
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(
                GlobalVerb.of("foo", VerbShape.args(1, 1), (s, scope) -> {
                    String name = s.args().get(0);
                    if (!name.matches("foo[0-9]{1,3}")) {
                        throw ScenarioRunner.malformed(s, "a foo device is named fooN, got '" + name + "'");
                    }
                    scope.define("foo device", name, s);
                    return w -> w.service(Foos.class).orElseThrow().add(name);
                }),
                GlobalVerb.of("unbind", VerbShape.args(1, 1), (s, scope) -> {
                    String name = s.args().get(0);
                    scope.require("foo device", name, s, "make it with 'foo " + name + "'");
                    return w -> w.service(Foos.class).orElseThrow().unplug(name);
                }));
    }

    @Override
    public List<FuzzGenerator> fuzzGenerators() {
        return List.of(ctx -> new FuzzGenerator.Session() {
            final List<String> names = new ArrayList<>();

            @Override
            public boolean global() {
                if (names.size() < 2 && ctx.random().nextBoolean()) {
                    String n = "foo" + names.size();
                    ctx.run("foo " + n);
                    names.add(n);
                } else if (!names.isEmpty()) {
                    ctx.run("unbind " + names.get(ctx.random().nextInt(names.size())));
                }
                return true;
            }

            @Override
            public List<String> paths() {
                return names.stream().map(n -> "/dev/" + n).toList();
            }

            @Override
            public OptionalLong mmapOffset(String path) {
                return path.startsWith("/dev/foo") ? OptionalLong.of(0) : OptionalLong.empty();
            }
        });
    }
}
