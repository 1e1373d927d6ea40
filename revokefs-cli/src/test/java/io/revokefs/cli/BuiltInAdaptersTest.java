package io.revokefs.cli;

import io.revokefs.scenario.ScenarioProvider;
import io.revokefs.scenario.ScenarioProviders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The built-in adapters reach the command only through the service interface (issue 12). */
class BuiltInAdaptersTest {

    @Test
    void theFiveBuiltInAdaptersAreFoundByServiceLoaderWithTheirVerbs() {
        ScenarioProviders p = ScenarioProviders.load();
        assertThat(p.all()).extracting(ScenarioProvider::name).contains("devmem", "procfs", "sysfs", "uio", "vfio");
        assertThat(p.verbs().keySet()).contains("pci", "remove", "claim", "mknod", "proc", "remove_proc_entry",
                "uio", "unregister", "interrupt", "vfio");
        assertThat(p.fuzzGenerators()).hasSizeGreaterThanOrEqualTo(4);
    }
}
