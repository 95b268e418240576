package io.perpetua.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * An event as read back from a journal.
 *
 * @param persistenceId the stream it belongs to
 * @param sequenceNr its position in the stream, from 1, contiguous
 * @param globalPosition its position in the whole store, unique and increasing in visibility order
 * @param timestamp when it was persisted
 * @param tags its tags, possibly empty
 * @param payload its body
 */
public record StoredEvent(
        String persistenceId, long sequenceNr, long globalPosition, Instant timestamp, Set<String> tags,
        Payload payload) {
    public StoredEvent {
        Objects.requireNonNull(persistenceId, "persistenceId");
        Objects.requireNonNull(timestamp, "timestamp");
        tags = Set.copyOf(Objects.requireNonNull(tags, "tags"));
        Objects.requireNonNull(payload, "payload");
    }
}
