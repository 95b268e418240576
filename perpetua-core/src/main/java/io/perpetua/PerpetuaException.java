package io.perpetua;

/** The base of Perpetua's exceptions. Each names the process and the rule that was broken. */
public class PerpetuaException extends RuntimeException {
    private final String persistenceId;

    public PerpetuaException(String persistenceId, String message, Throwable cause) {
        super(message, cause);
        this.persistenceId = persistenceId;
    }

    public PerpetuaException(String persistenceId, String message) {
        this(persistenceId, message, null);
    }

    /** The process this is about, or an empty string if it is about no single process. */
    public String persistenceId() {
        return persistenceId == null ? "" : persistenceId;
    }
}
