package io.perpetua;

/**
 * A message crashed its process on every one of its attempts and was given up: it went to the dead
 * letters and was not handled. The cause is the last crash.
 */
public class PoisonMessageException extends PerpetuaException {
    private final int attempts;

    public PoisonMessageException(String persistenceId, int attempts, Throwable cause) {
        super(persistenceId, "a message crashed process '" + persistenceId + "' " + attempts + " times and was sent "
                + "to the dead letters without being handled: " + cause, cause);
        this.attempts = attempts;
    }

    /** How many times the message was tried. */
    public int attempts() {
        return attempts;
    }
}
