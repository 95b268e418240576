package io.perpetua;

/** A message was sent to a process that has stopped, or that stopped before handling it. */
public class ProcessStoppedException extends PerpetuaException {
    public ProcessStoppedException(String persistenceId, String why) {
        super(persistenceId, "process '" + persistenceId + "' is stopped" + (why.isEmpty() ? "" : ": " + why));
    }
}
