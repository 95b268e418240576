package io.perpetua.spi;

/**
 * A store operation whose outcome is unknown (I/O error, timeout, lost connection). For an append,
 * any of the writes may or may not be durable; the runtime treats the process as failed and recovers
 * it from the journal.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
