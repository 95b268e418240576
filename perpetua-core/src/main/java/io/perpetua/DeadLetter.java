package io.perpetua;

/**
 * A record of something the runtime gave up on: an event skipped under
 * {@link PoisonEventPolicy#SKIP}.
 *
 * @param persistenceId the process
 * @param sequenceNr the skipped event's sequence number
 * @param manifest the event's type manifest, or {@code "reference"} for an in-memory object
 * @param reason why it was skipped
 */
public record DeadLetter(String persistenceId, long sequenceNr, String manifest, String reason) {}
