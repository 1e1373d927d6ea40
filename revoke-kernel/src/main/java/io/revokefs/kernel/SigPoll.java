package io.revokefs.kernel;

/**
 * The {@code si_code} of a SIGIO ({@code POLL_IN} ... {@code POLL_HUP}, include/uapi/asm-generic/siginfo.h):
 * the band a driver passes to {@code kill_fasync}. A device that goes away sends {@code POLL_HUP}
 * ({@code uio_unregister_device}, evdev's {@code evdev_hangup}).
 */
public enum SigPoll {
    POLL_IN,
    POLL_OUT,
    POLL_MSG,
    POLL_ERR,
    POLL_PRI,
    POLL_HUP
}
