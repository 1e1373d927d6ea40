package io.revokefs.kernel;

import java.util.Objects;

/**
 * The outcome of a simulated system call or file operation: a value, or an {@link Errno}. As in the
 * kernel, failure is a value; exceptions are reserved for bugs and for bad input to the library.
 *
 * @param <T> the type of the value on success
 */
public sealed interface Result<T> permits Result.Ok, Result.Err {

    /** Success with a value. */
    record Ok<T>(T value) implements Result<T> {
    }

    /** Failure with an errno. */
    record Err<T>(Errno errno) implements Result<T> {
        public Err {
            Objects.requireNonNull(errno, "errno");
        }
    }

    static <T> Result<T> ok(T value) {
        return new Ok<>(value);
    }

    static Result<Void> ok() {
        return new Ok<>(null);
    }

    static <T> Result<T> err(Errno errno) {
        return new Err<>(errno);
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** The errno of a failure, or {@code null} on success. */
    default Errno errnoOrNull() {
        return this instanceof Err<T> e ? e.errno() : null;
    }

    /** The value; throws {@link IllegalStateException} naming the errno on failure. */
    default T value() {
        if (this instanceof Ok<T> ok) {
            return ok.value();
        }
        throw new IllegalStateException("operation failed with " + errnoOrNull());
    }

    /** Re-types a failure; throws {@link IllegalStateException} on success. */
    @SuppressWarnings("unchecked")
    default <U> Result<U> castErr() {
        if (this instanceof Err<T> e) {
            return (Result<U>) e;
        }
        throw new IllegalStateException("not a failure");
    }
}
