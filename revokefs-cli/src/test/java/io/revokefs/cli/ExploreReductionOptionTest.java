package io.revokefs.cli;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code revokefs explore --no-reduction}: the plain bounded search, to compare with the reduced one (issue 12). */
class ExploreReductionOptionTest {

    private static int systematic(Cli c) {
        assertThat(c.code()).as(c.out() + c.err()).isZero();
        assertThat(c.out()).contains("exhaustive=true").contains("violations=0");
        Matcher m = Pattern.compile("systematic=(\\d+)").matcher(c.out());
        assertThat(m.find()).as(c.out()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void withoutTheReductionTheSameCaseTakesMoreSchedules() {
        int reduced = systematic(Cli.run("explore", "R22", "--preemptions", "2", "--random", "0", "--workers", "1"));
        int plain = systematic(Cli.run("explore", "R22", "--preemptions", "2", "--random", "0", "--workers", "1", "--no-reduction"));
        assertThat(reduced).isLessThan(plain);
    }
}
