package io.perpetua;

/**
 * The outcome of a persist is unknown (I/O error, timeout, lost connection): the events may or may
 * not be in the journal. The message fails and the process restarts from the journal, so that its
 * state never disagrees with storage.
 */
public class PersistFailedException extends PerpetuaException {
    public PersistFailedException(String persistenceId, Throwable cause) {
        super(persistenceId, "persist failed for '" + persistenceId + "' with an unknown outcome; the process restarts "
                + "from the journal: " + cause.getMessage(), cause);
    }
}
