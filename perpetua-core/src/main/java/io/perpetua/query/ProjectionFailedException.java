package io.perpetua.query;

import io.perpetua.PerpetuaException;

/** A projection stopped because its handler failed on an event and its policy said to stop. */
public final class ProjectionFailedException extends PerpetuaException {
    private final String projection;
    private final long globalPosition;

    public ProjectionFailedException(String projection, String persistenceId, long sequenceNr, long globalPosition,
            Throwable cause) {
        super(persistenceId, "projection '" + projection + "' stopped: its handler failed on event " + sequenceNr
                + " of '" + persistenceId + "' at position " + globalPosition + ": " + cause, cause);
        this.projection = projection;
        this.globalPosition = globalPosition;
    }

    /** The projection's name. */
    public String projection() {
        return projection;
    }

    /** The global position of the event the handler failed on; the next run starts there. */
    public long globalPosition() {
        return globalPosition;
    }
}
