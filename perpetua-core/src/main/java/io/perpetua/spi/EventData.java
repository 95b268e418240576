package io.perpetua.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One event to append; the store assigns its sequence number and global position.
 *
 * @param payload the event body
 * @param tags labels for {@link EventJournal#readByTag}, each non-blank; may be empty
 * @param timestamp when the event was persisted; stores keep it to at least the microsecond
 */
public record EventData(Payload payload, Set<String> tags, Instant timestamp) {
    public EventData {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timestamp, "timestamp");
        tags = Set.copyOf(Objects.requireNonNull(tags, "tags"));
        for (String tag : tags) {
            if (tag.isBlank()) throw new IllegalArgumentException("a tag must not be blank");
        }
    }
}
