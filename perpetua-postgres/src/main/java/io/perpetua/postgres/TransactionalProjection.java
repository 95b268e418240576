package io.perpetua.postgres;

import io.perpetua.PersistedEvent;
import io.perpetua.query.FailurePolicy;
import io.perpetua.query.StartFrom;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An exactly-once projection: a named read model in the store's PostgreSQL database, whose handler
 * writes through the transaction that also moves the projection's checkpoint. Run it with
 * {@link PostgresProjections#runOnce} or {@link PostgresProjections#start}. Each transaction covers
 * one event (the default) or a batch of events; a crash, a lost connection or a handler failure
 * before the commit rolls back the writes and the checkpoint together, so the next run handles those
 * events again, and an event is never applied twice. Immutable; each {@code with} method returns a
 * copy.
 *
 * <p>The checkpoint is the row of {@code name} in the store's {@code checkpoints} table, the same
 * one a {@link io.perpetua.query.Projection} of that name would use; only one consumer of a name
 * runs at a time, on any node.
 *
 * @param name the projection's name, also its checkpoint's name
 * @param handler applies each event inside the transaction
 * @param filter which events reach the handler; the others only move the checkpoint
 * @param startFrom where to start when there is no checkpoint yet
 * @param tag only events with this tag; empty for all events
 * @param batchSize events per transaction, at least 1; a transaction never ends between the events
 *     one stored event was split into, so it may hold a few more
 * @param failurePolicy what happens when the handler throws
 */
public record TransactionalProjection(String name, TransactionalHandler handler, Predicate<PersistedEvent> filter,
        StartFrom startFrom, Optional<String> tag, int batchSize, FailurePolicy failurePolicy) {
    public TransactionalProjection {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("a projection name must not be blank");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(startFrom, "startFrom");
        Objects.requireNonNull(tag, "tag");
        tag.ifPresent(t -> {
            if (t.isBlank()) throw new IllegalArgumentException("a tag must not be blank");
        });
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        Objects.requireNonNull(failurePolicy, "failurePolicy");
    }

    /** Every event from the origin, one transaction per event, failing on the first error. */
    public static TransactionalProjection of(String name, TransactionalHandler handler) {
        return new TransactionalProjection(name, handler, e -> true, StartFrom.origin(), Optional.empty(), 1,
                FailurePolicy.fail());
    }

    /** Only events that match {@code filter} reach the handler. */
    public TransactionalProjection withFilter(Predicate<PersistedEvent> filter) {
        return new TransactionalProjection(name, handler, filter, startFrom, tag, batchSize, failurePolicy);
    }

    /** Only events of the given classes (or subclasses) reach the handler. */
    public TransactionalProjection withEventTypes(Class<?>... types) {
        Class<?>[] copy = types.clone();
        return withFilter(e -> {
            for (Class<?> t : copy) if (t.isInstance(e.event())) return true;
            return false;
        });
    }

    /** Only events with {@code tag}, read through the store's tag index. */
    public TransactionalProjection withTag(String tag) {
        return new TransactionalProjection(name, handler, filter, startFrom, Optional.of(Objects.requireNonNull(tag, "tag")),
                batchSize, failurePolicy);
    }

    public TransactionalProjection withStartFrom(StartFrom startFrom) {
        return new TransactionalProjection(name, handler, filter, startFrom, tag, batchSize, failurePolicy);
    }

    /** Commits the handler's writes and the checkpoint after each event (the default). */
    public TransactionalProjection checkpointAfterEachEvent() {
        return checkpointAfterEachBatch(1);
    }

    /**
     * Commits after each batch of {@code events} events, and whenever no further event is ready:
     * fewer transactions, while the events of a batch are handled again after a failure.
     */
    public TransactionalProjection checkpointAfterEachBatch(int events) {
        return new TransactionalProjection(name, handler, filter, startFrom, tag, events, failurePolicy);
    }

    public TransactionalProjection withFailurePolicy(FailurePolicy policy) {
        return new TransactionalProjection(name, handler, filter, startFrom, tag, batchSize, policy);
    }
}
