package io.perpetua.spi;

import java.util.List;
import java.util.Objects;

/**
 * Events for one stream that a store writes all or none of, checked against an expected sequence
 * number. The events get the next sequence numbers in list order.
 *
 * @param persistenceId the stream, validated by {@link PersistenceIds#validate(String)}
 * @param expected the writer's belief about the current highest sequence number
 * @param events one or more events
 */
public record AtomicWrite(String persistenceId, ExpectedSequence expected, List<EventData> events) {
    public AtomicWrite {
        PersistenceIds.validate(persistenceId);
        Objects.requireNonNull(expected, "expected");
        events = List.copyOf(Objects.requireNonNull(events, "events"));
        if (events.isEmpty()) {
            throw new IllegalArgumentException("an atomic write to '" + persistenceId + "' needs at least one event");
        }
    }
}
