package io.revokefs.devmem;

import io.revokefs.scenario.FuzzGenerator;
import io.revokefs.scenario.GlobalVerb;
import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioRunner;
import io.revokefs.scenario.ScenarioWorld;
import io.revokefs.scenario.VerbShape;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code /dev/mem} in the scenario language: registered on every world (published as {@link DevMem}),
 * and the verb {@code mknod PATH c 1 1} for another inode of the memory device.
 */
public final class DevMemScenarioProvider implements ScenarioProvider {

    @Override
    public String name() {
        return "devmem";
    }

    @Override
    public List<String> paths() {
        return List.of(DevMem.PATH, "any mknod PATH c 1 1");
    }

    @Override
    public void install(ScenarioWorld world) {
        world.provide(DevMem.class, DevMem.register(world.kernel()));
    }

    @Override
    public List<GlobalVerb> verbs() {
        return List.of(GlobalVerb.of("mknod", VerbShape.args(4, 4), (s, scope) -> {
            // mknod PATH c 1 1: another inode for the memory device (major 1, minor 1 is /dev/mem).
            List<String> a = s.args();
            if (!a.get(1).equals("c") || !a.get(2).equals("1") || !a.get(3).equals("1")) {
                throw ScenarioRunner.malformed(s, "only the /dev/mem device can be made: mknod PATH c 1 1");
            }
            if (!a.get(0).startsWith("/") || a.get(0).endsWith("/")) {
                throw ScenarioRunner.malformed(s, "mknod needs an absolute path, got '" + a.get(0) + "'");
            }
            String path = a.get(0);
            return w -> {
                if (w.kernel().lookup(path).isOk()) {
                    return "EEXIST";
                }
                w.service(DevMem.class).orElseThrow().mknod(path);
                return "ok";
            };
        }));
    }

    @Override
    public List<FuzzGenerator> fuzzGenerators() {
        return List.of(ctx -> new FuzzGenerator.Session() {
            final List<String> nodes = new ArrayList<>(List.of(DevMem.PATH));

            @Override
            public boolean global() {
                if (nodes.size() >= 3) {
                    return false;
                }
                String node = DevMem.PATH + (nodes.size() + 1);
                ctx.run("mknod " + node + " c 1 1");
                nodes.add(node);
                return true;
            }

            @Override
            public List<String> paths() {
                return nodes;
            }

            @Override
            public OptionalLong mmapOffset(String path) {
                return nodes.contains(path) ? OptionalLong.of(ctx.physicalPage()) : OptionalLong.empty();
            }
        });
    }

}
