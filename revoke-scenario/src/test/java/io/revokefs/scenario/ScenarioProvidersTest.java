package io.revokefs.scenario;

import io.revokefs.core.event.InMemoryEventLog;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service interface: providers' verbs, the world's typed registry, refusals when loading. */
class ScenarioProvidersTest {

    /** A provider from parts. */
    record TestProvider(String name, List<GlobalVerb> verbs, java.util.function.Consumer<ScenarioWorld> installer)
            implements ScenarioProvider {
        @Override
        public List<String> paths() {
            return List.of();
        }

        @Override
        public void install(ScenarioWorld world) {
            installer.accept(world);
        }
    }

    /** A provider with one verb, {@code VERB X}, that records X in a list it provides. */
    @SuppressWarnings("unchecked")
    static ScenarioProvider provider(String name, String verb) {
        return new TestProvider(name, List.of(GlobalVerb.of(verb, VerbShape.args(1, 1), (s, scope) -> {
            String arg = s.args().get(0);
            return w -> {
                w.service(List.class).orElseThrow().add(arg);
                return "ok";
            };
        })), world -> {
            if (world.service(List.class).isEmpty()) {
                world.provide(List.class, new ArrayList<String>());
            }
        });
    }

    /** A provider with no verbs whose install does {@code install}. */
    static ScenarioProvider installing(String name, java.util.function.Consumer<ScenarioWorld> install) {
        return new TestProvider(name, List.of(), install);
    }

    @Test
    void aProvidersVerbIsParsedAndRunOnTheWorld() {
        ScenarioProviders p = ScenarioProviders.of(List.of(provider("a", "note")));
        ScenarioWorld w = new ScenarioWorld(new InMemoryEventLog(), p);
        Scenario sc = new ScenarioParser(p).parse("t", List.of("note hello", "note world expect=ok"));
        new ScenarioRunner(w).run(sc);
        assertThat(w.service(List.class).orElseThrow()).containsExactly("hello", "world");
    }

    @Test
    void twoProvidersOfOneVerbAreRefused() {
        assertThatThrownBy(() -> ScenarioProviders.of(List.of(provider("a", "note"), provider("b", "note"))))
                .hasMessageContaining("adapters 'a' and 'b' both define the verb 'note'");
    }

    @Test
    void aProviderCannotRedefineTheLanguagesOwnVerbs() {
        assertThatThrownBy(() -> ScenarioProviders.of(List.of(provider("a", "process"))))
                .hasMessageContaining("a verb of the language itself");
    }

    @Test
    void aServiceAskedForBeforeItIsProvidedArrivesWhenItIs() {
        List<String> seen = new ArrayList<>();
        ScenarioProvider asker = installing("a-asker", world -> world.whenProvided(StringBuilder.class, sb -> seen.add("got " + sb)));
        ScenarioProvider giver = installing("b-giver", world -> world.provide(StringBuilder.class, new StringBuilder("bus")));
        new ScenarioWorld(new InMemoryEventLog(), ScenarioProviders.of(List.of(giver, asker)));
        assertThat(seen).containsExactly("got bus");
    }

    @Test
    void unknownNameFoundBeforeAnythingRuns() {
        ScenarioProviders p = ScenarioProviders.of(List.of(provider("a", "note")));
        ScenarioWorld w = new ScenarioWorld(new InMemoryEventLog(), p);
        assertThatThrownBy(() -> new ScenarioParser(p).parse("t", List.of("note first", "process p1", "p1 read f9")))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("t:3: no open file named 'f9'");
        assertThat(w.service(List.class).orElseThrow()).isEmpty();
    }
}
