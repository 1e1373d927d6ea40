package io.revokefs.history;

import io.revokefs.history.ReplayState.PageRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RangeSetTest {
    @Test
    void addMergesOverlappingAndAdjacentRanges() {
        RangeSet s = new RangeSet();
        s.add(10, 5);
        s.add(0, 2);
        s.add(15, 5);
        s.add(1, 3);
        assertThat(s.toList()).containsExactly(new PageRange(0, 4), new PageRange(10, 10));
        s.add(3, 8);
        assertThat(s.toList()).containsExactly(new PageRange(0, 20));
    }

    @Test
    void removeSplitsAndTrims() {
        RangeSet s = new RangeSet();
        s.add(0, 10);
        s.add(20, 10);
        s.remove(4, 2);
        assertThat(s.toList()).containsExactly(new PageRange(0, 4), new PageRange(6, 4), new PageRange(20, 10));
        s.remove(8, 14);
        assertThat(s.toList()).containsExactly(new PageRange(0, 4), new PageRange(6, 2), new PageRange(22, 8));
        s.remove(0, 100);
        assertThat(s.isEmpty()).isTrue();
    }

    @Test
    void removingAnAbsentRangeChangesNothing() {
        RangeSet s = new RangeSet();
        s.add(5, 5);
        s.remove(0, 5);
        s.remove(10, 5);
        assertThat(s.toList()).containsExactly(new PageRange(5, 5));
    }
}
