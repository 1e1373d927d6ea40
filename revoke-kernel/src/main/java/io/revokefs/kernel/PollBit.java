package io.revokefs.kernel;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** Bits of a poll mask ({@code EPOLL*} in Linux). */
public enum PollBit {
    POLLIN,
    POLLPRI,
    POLLOUT,
    POLLERR,
    POLLHUP,
    POLLRDNORM,
    POLLWRNORM;

    /** {@code DEFAULT_POLLMASK}: {@code EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM}. */
    public static final Set<PollBit> DEFAULT_POLLMASK =
            Collections.unmodifiableSet(EnumSet.of(POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM));

    /** An unmodifiable set of the given bits. */
    public static Set<PollBit> mask(PollBit... bits) {
        EnumSet<PollBit> set = EnumSet.noneOf(PollBit.class);
        Collections.addAll(set, bits);
        return Collections.unmodifiableSet(set);
    }

    /** The union of {@code base} and {@code extra}, unmodifiable. */
    public static Set<PollBit> union(Set<PollBit> base, PollBit... extra) {
        EnumSet<PollBit> set = base.isEmpty() ? EnumSet.noneOf(PollBit.class) : EnumSet.copyOf(base);
        Collections.addAll(set, extra);
        return Collections.unmodifiableSet(set);
    }

    /**
     * Parses a mask written as bit names joined by {@code |}, for example {@code POLLIN|POLLERR};
     * {@code 0} is the empty mask.
     */
    public static Set<PollBit> parseMask(String text) {
        if (text.equals("0")) {
            return Set.of();
        }
        EnumSet<PollBit> set = EnumSet.noneOf(PollBit.class);
        for (String part : text.split("\\|")) {
            String name = part.trim();
            if (name.startsWith("E")) {
                name = name.substring(1); // accept EPOLLIN as well as POLLIN
            }
            try {
                set.add(PollBit.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown poll bit '" + part + "' in '" + text + "'", e);
            }
        }
        return Collections.unmodifiableSet(set);
    }

    /** Formats a mask as {@code POLLIN|POLLERR} in declaration order, {@code 0} when empty. */
    public static String format(Set<PollBit> mask) {
        if (mask.isEmpty()) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        for (PollBit b : values()) {
            if (mask.contains(b)) {
                if (sb.length() > 0) {
                    sb.append('|');
                }
                sb.append(b.name());
            }
        }
        return sb.toString();
    }
}
