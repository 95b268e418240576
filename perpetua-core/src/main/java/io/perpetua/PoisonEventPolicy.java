package io.perpetua;

/**
 * What recovery does with an event it cannot deserialize or whose {@code apply} throws.
 */
public enum PoisonEventPolicy {
    /** Recovery fails with a {@link RecoveryFailedException} naming the id and sequence number (default). */
    FAIL,
    /**
     * The event is skipped: recovery continues without it and a {@link DeadLetter} goes to the
     * runtime's dead-letter listener. The event stays in the journal.
     */
    SKIP
}
