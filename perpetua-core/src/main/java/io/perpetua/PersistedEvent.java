package io.perpetua;

import java.time.Instant;
import java.util.Set;

/**
 * An event as subscribers see it, after it is durable.
 *
 * @param persistenceId the process that persisted it
 * @param sequenceNr its number in that process's stream
 * @param globalPosition its position in the whole store
 * @param timestamp when it was persisted
 * @param tags its tags
 * @param event the event object
 */
public record PersistedEvent(
        String persistenceId, long sequenceNr, long globalPosition, Instant timestamp, Set<String> tags,
        Object event) {}
