package io.revokefs.history;

/**
 * A store that cannot be used as asked, for a reason the user can act on: it does not exist, it is
 * not a revokefs store, the run named does not exist or already does. The message names the store
 * and the problem; there is never a half-done state behind it.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
