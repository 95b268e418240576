package io.perpetua;

/**
 * A process could not be recovered: an event could not be read or applied (a poison event under
 * {@link PoisonEventPolicy#FAIL}) or the store failed. The message names the process, the sequence
 * number and the event's manifest where known.
 */
public class RecoveryFailedException extends PerpetuaException {
    private final long sequenceNr;

    public RecoveryFailedException(String persistenceId, long sequenceNr, String message, Throwable cause) {
        super(persistenceId, message, cause);
        this.sequenceNr = sequenceNr;
    }

    /** The sequence number of the event that failed, or 0 if no single event is to blame. */
    public long sequenceNr() {
        return sequenceNr;
    }
}
