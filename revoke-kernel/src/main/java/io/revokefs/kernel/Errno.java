package io.revokefs.kernel;

/**
 * The errno values the simulation returns, with their Linux numbers. Operations return them as
 * values ({@link Result#err(Errno)}), never as exceptions.
 */
public enum Errno {
    EPERM(1),
    ENOENT(2),
    EINTR(4),
    EIO(5),
    EBADF(9),
    EAGAIN(11),
    ENOMEM(12),
    EACCES(13),
    EFAULT(14),
    EBUSY(16),
    ENODEV(19),
    EINVAL(22),
    ENOTTY(25),
    ENOSPC(28),
    ESPIPE(29),
    ENOSYS(38);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive Linux errno number (the kernel returns its negation). */
    public int number() {
        return number;
    }

    /** Parses a name such as {@code "ENODEV"}; throws {@link IllegalArgumentException} naming the input otherwise. */
    public static Errno parse(String name) {
        for (Errno e : values()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown errno name '" + name + "'");
    }
}
