package io.revokefs.history;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The auditor's memory of forgotten objects ({@link IdHashes}): every id put is found with its last
 * value, an id never put is absent, through every growth of the table; and the hash is the one its
 * comment names, FNV-1a then MurmurHash3's {@code fmix64}, on which the comment's collision bound
 * rests. The expected hashes were computed outside this code from the published definitions (FNV-1a
 * 64: offset basis 0xcbf29ce484222325, prime 0x100000001b3, whose published vectors "a" ->
 * 0xaf63dc4c8601ec8c and "foobar" -> 0x85944171f73967e8 the computation reproduced; fmix64:
 * xor-shift 33, multiply 0xff51afd7ed558ccd, xor-shift 33, multiply 0xc4ceb9fe1a85ec53, xor-shift
 * 33). Found by mutation testing (issue 18 point 12): IdHashes' mixing and probing mutants survived.
 */
class IdHashesTest {

    @Test
    void theHashIsFnv1aThenTheMurmur3Finalizer() {
        assertThat(IdHashes.hash64("")).isEqualTo(0xefd01f60ba992926L);
        assertThat(IdHashes.hash64("a")).isEqualTo(0x82a2a958a9bece5bL);
        assertThat(IdHashes.hash64("sysfs:/devices/pci0000:00/0000:00:02.0/resource0")).isEqualTo(0x7cc9e43e5e810dc5L);
    }

    @Test
    void everyIdPutIsFoundWithItsValueThroughEveryGrowthAndOthersAreAbsent() {
        IdHashes h = new IdHashes();
        int n = 20_000; // the table grows from 16 slots to 65,536, twelve times
        for (int i = 0; i < n; i++) {
            h.put("sysfs:/devices/x" + i, i);
            assertThat(h.size()).isEqualTo(i + 1);
        }
        for (int i = 0; i < n; i++) {
            assertThat(h.get("sysfs:/devices/x" + i, -1)).isEqualTo(i);
            assertThat(h.contains("sysfs:/devices/x" + i)).isTrue();
            assertThat(h.contains("sysfs:/devices/y" + i)).isFalse();
            assertThat(h.get("procfs:/x" + i, -7)).isEqualTo(-7);
        }
    }

    @Test
    void aSecondPutReplacesTheValueWithoutGrowingTheCount() {
        IdHashes h = new IdHashes();
        h.put("ab", 1);
        h.put("ba", 2);
        h.put("ab", 3);
        assertThat(h.size()).isEqualTo(2);
        assertThat(h.get("ab", 0)).isEqualTo(3);
        assertThat(h.get("ba", 0)).isEqualTo(2);
        assertThat(h.contains("")).isFalse();
        h.put("", 4);
        assertThat(h.get("", 0)).isEqualTo(4);
        assertThat(h.size()).isEqualTo(3);
    }
}
