package io.perpetua;

/**
 * The store or the runtime refused a persist before writing anything (an unserializable, null or
 * over-size event). The message fails; the process continues with its state unchanged.
 */
public class PersistRejectedException extends PerpetuaException {
    public PersistRejectedException(String persistenceId, String reason, Throwable cause) {
        super(persistenceId, "persist rejected for '" + persistenceId + "': " + reason, cause);
    }
}
