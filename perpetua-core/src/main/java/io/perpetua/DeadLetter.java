package io.perpetua;

import java.util.Objects;
import java.util.Optional;

/**
 * A record of something the runtime gave up on: an event skipped under
 * {@link PoisonEventPolicy#SKIP}, or a message that crashed its process on every attempt (see
 * {@link ProcessType#withMessageAttempts}).
 *
 * @param persistenceId the process
 * @param sequenceNr the skipped event's sequence number; for a message, the process's last sequence
 *     number (or revision) when it was given up
 * @param manifest the event's type manifest, or {@code "reference"} for an in-memory object; for a
 *     message, {@code "message "} and its class name
 * @param reason why it was given up
 * @param message the message given up, empty for an event
 */
public record DeadLetter(String persistenceId, long sequenceNr, String manifest, String reason, Optional<Object> message) {
    public DeadLetter {
        Objects.requireNonNull(message, "message");
    }

    /** A dead letter for a skipped event. */
    public DeadLetter(String persistenceId, long sequenceNr, String manifest, String reason) {
        this(persistenceId, sequenceNr, manifest, reason, Optional.empty());
    }
}
