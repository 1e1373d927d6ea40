package io.revokefs.core.event;

/** Who ran a file's release: its last close, or the revoke of its object. */
public enum ReleaseCause {
    CLOSE,
    REVOKE
}
