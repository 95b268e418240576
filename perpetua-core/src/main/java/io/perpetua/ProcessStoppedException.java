package io.perpetua;

/** A message was sent to a process that has stopped, or that stopped before handling it. */
public class ProcessStoppedException extends PerpetuaException {
    public ProcessStoppedException(String persistenceId, String why) {
        super(persistenceId, "process '" + persistenceId + "' is stopped" + (why.isEmpty() ? "" : ": " + why));
    }

    /** A process that stopped because of {@code cause} (for example a crash). */
    public ProcessStoppedException(String persistenceId, String why, Throwable cause) {
        super(persistenceId, "process '" + persistenceId + "' is stopped" + (why.isEmpty() ? "" : ": " + why), cause);
    }
}
