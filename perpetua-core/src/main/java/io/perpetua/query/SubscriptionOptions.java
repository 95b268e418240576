package io.perpetua.query;

import java.util.Objects;
import java.util.Optional;

/**
 * How a durable subscription reads: where it starts the first time, which events it sees, how many
 * events may be delivered and not yet acknowledged, and how often it saves its checkpoint. Immutable;
 * each {@code with} method returns a copy.
 *
 * @param startFrom where to start when there is no checkpoint yet (default {@link StartFrom#origin()})
 * @param tag only events carrying this tag; empty for all events (default)
 * @param maxInFlight the most events delivered and not yet acknowledged, at least 1 (default 1,024);
 *     the subscription waits for acknowledgements beyond it, and never makes writers wait
 * @param checkpointEvery save the checkpoint once this many acknowledgements moved it, at least 1
 *     (default 1: after each event); it is also saved on close
 */
public record SubscriptionOptions(StartFrom startFrom, Optional<String> tag, int maxInFlight, int checkpointEvery) {
    public SubscriptionOptions {
        Objects.requireNonNull(startFrom, "startFrom");
        Objects.requireNonNull(tag, "tag");
        tag.ifPresent(t -> {
            if (t.isBlank()) throw new IllegalArgumentException("a tag must not be blank");
        });
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpointEvery must be >= 1, was " + checkpointEvery);
    }

    /** From the origin, all events, 1,024 in flight, a checkpoint after each event. */
    public static SubscriptionOptions defaults() {
        return new SubscriptionOptions(StartFrom.origin(), Optional.empty(), 1024, 1);
    }

    public SubscriptionOptions withStartFrom(StartFrom startFrom) {
        return new SubscriptionOptions(startFrom, tag, maxInFlight, checkpointEvery);
    }

    public SubscriptionOptions withTag(String tag) {
        return new SubscriptionOptions(startFrom, Optional.of(Objects.requireNonNull(tag, "tag")), maxInFlight,
                checkpointEvery);
    }

    public SubscriptionOptions withMaxInFlight(int maxInFlight) {
        return new SubscriptionOptions(startFrom, tag, maxInFlight, checkpointEvery);
    }

    public SubscriptionOptions withCheckpointEvery(int checkpointEvery) {
        return new SubscriptionOptions(startFrom, tag, maxInFlight, checkpointEvery);
    }
}
