package io.perpetua;

/**
 * Another writer appended to the process's stream first: the stream's highest sequence number was
 * {@link #actualSequenceNr()}, not the expected {@link #expectedSequenceNr()}. Nothing was written.
 * The process has already loaded the newer events when the message fails with this.
 */
public class ConcurrencyConflictException extends PerpetuaException {
    private final long expected;
    private final long actual;

    public ConcurrencyConflictException(String persistenceId, long expected, long actual) {
        super(persistenceId, "concurrency conflict on '" + persistenceId + "': expected sequence number " + expected
                + " but the journal is at " + actual + " (another writer appended first)");
        this.expected = expected;
        this.actual = actual;
    }

    public long expectedSequenceNr() {
        return expected;
    }

    public long actualSequenceNr() {
        return actual;
    }
}
