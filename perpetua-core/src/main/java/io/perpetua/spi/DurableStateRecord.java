package io.perpetua.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * The stored state of a durable-state process.
 *
 * @param persistenceId the process
 * @param revision the number of writes that led to this state, at least 1; each successful
 *     {@link DurableStateStore#upsert} increments it by one
 * @param payload the (mapped) state
 * @param timestamp when this revision was written
 */
public record DurableStateRecord(String persistenceId, long revision, Payload payload, Instant timestamp) {
    public DurableStateRecord {
        Objects.requireNonNull(persistenceId, "persistenceId");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timestamp, "timestamp");
        if (revision < 1) throw new IllegalArgumentException("revision must be >= 1, was " + revision);
    }
}
