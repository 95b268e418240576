package io.perpetua.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A saved state of one process, taken after the event with {@code sequenceNr} was applied.
 *
 * @param persistenceId the process
 * @param sequenceNr the sequence number the state includes, at least 0
 * @param timestamp when the snapshot was taken; stores keep it to at least the microsecond
 * @param payload the state
 */
public record SnapshotRecord(String persistenceId, long sequenceNr, Instant timestamp, Payload payload) {
    public SnapshotRecord {
        PersistenceIds.validate(persistenceId);
        if (sequenceNr < 0) throw new IllegalArgumentException("snapshot sequence number must be >= 0, was " + sequenceNr);
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(payload, "payload");
    }
}
