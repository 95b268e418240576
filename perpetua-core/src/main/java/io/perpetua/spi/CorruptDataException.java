package io.perpetua.spi;

/**
 * A stored value failed its checksum or could not be decoded: the store holds it but cannot return
 * it intact. Names the persistence id and sequence number, so that recovery and {@code verify} can
 * report exactly which event or snapshot is damaged.
 */
public class CorruptDataException extends StoreException {
    private final String persistenceId;
    private final long sequenceNr;

    public CorruptDataException(String persistenceId, long sequenceNr, String what) {
        super("corrupt data for '" + persistenceId + "' at sequence number " + sequenceNr + ": " + what);
        this.persistenceId = persistenceId;
        this.sequenceNr = sequenceNr;
    }

    public String persistenceId() {
        return persistenceId;
    }

    public long sequenceNr() {
        return sequenceNr;
    }
}
