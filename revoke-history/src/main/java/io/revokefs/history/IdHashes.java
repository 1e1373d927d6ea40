package io.revokefs.history;

/**
 * What the streaming readers remember of an object they have forgotten: a 64-bit hash of its id
 * and one int, 8 to 12 bytes an object in an open-addressing table kept at most half full, where a
 * {@code HashMap<String, ...>} entry costs some 100 bytes with its key. Two ids with one hash would
 * be confused: for a million forgotten ids the chance is below 10<sup>-7</sup>. Not thread-safe.
 */
final class IdHashes {
    private long[] keys = new long[16];
    private int[] values = new int[16];
    private int size;
    private boolean hasZero;
    private int zeroValue;

    /** FNV-1a over the UTF-16 units, then MurmurHash3's 64-bit finalizer. */
    static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** Whether {@code id} was put. */
    boolean contains(String id) {
        return get(id, Integer.MIN_VALUE) != Integer.MIN_VALUE;
    }

    /** The value put for {@code id}, or {@code absent}. */
    int get(String id, int absent) {
        long k = hash64(id);
        if (k == 0) {
            return hasZero ? zeroValue : absent;
        }
        int mask = keys.length - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            if (keys[i] == k) {
                return values[i];
            }
            if (keys[i] == 0) {
                return absent;
            }
        }
    }

    /** Remembers {@code value} for {@code id} (replacing an earlier one). */
    void put(String id, int value) {
        long k = hash64(id);
        if (k == 0) {
            size += hasZero ? 0 : 1;
            hasZero = true;
            zeroValue = value;
            return;
        }
        if (insert(keys, values, k, value)) {
            size++;
            if (size * 2 > keys.length) {
                long[] bk = new long[keys.length * 2];
                int[] bv = new int[keys.length * 2];
                for (int i = 0; i < keys.length; i++) {
                    if (keys[i] != 0) {
                        insert(bk, bv, keys[i], values[i]);
                    }
                }
                keys = bk;
                values = bv;
            }
        }
    }

    /** How many ids were put. */
    int size() {
        return size;
    }

    private static int slot(long k, int mask) {
        return (int) (k ^ (k >>> 32)) & mask;
    }

    private static boolean insert(long[] ks, int[] vs, long k, int v) {
        int mask = ks.length - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            if (ks[i] == k) {
                vs[i] = v;
                return false;
            }
            if (ks[i] == 0) {
                ks[i] = k;
                vs[i] = v;
                return true;
            }
        }
    }
}
