package io.perpetua.query;

import io.perpetua.PersistedEvent;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A named read model fed by a handler: which events it sees, how often it checkpoints, what it does
 * on failure and how many events it handles at once. Run it with {@link EventQueries#runOnce} (up to
 * the events that exist now) or {@link EventQueries#start} (continuously). It reads through a
 * {@link DurableSubscription} of the same name, so it resumes after its checkpoint and only one run
 * per name may be active.
 *
 * <p>The handler's writes and the checkpoint are not atomic: delivery is at least once. For exactly
 * once, where the read model lives in the PostgreSQL database of the store, use
 * {@code io.perpetua.postgres.TransactionalProjection} (module {@code perpetua-postgres}): its handler
 * writes in the transaction that moves the checkpoint. Events are decoded as the
 * {@link EventQueries} that runs the projection decodes them (see {@link EventQueries#forType}).
 *
 * @param name the projection's name, also its checkpoint's name
 * @param handler applies each event
 * @param filter which events reach the handler; the others are acknowledged without it
 * @param subscription where it starts, tag, in-flight limit and checkpoint frequency
 * @param failurePolicy what happens when the handler throws
 * @param parallelism how many events are handled at once, at least 1; events of one persistence id
 *     are always handled one at a time in sequence order, events of different ids in parallel
 */
public record Projection(String name, ProjectionHandler handler, Predicate<PersistedEvent> filter,
        SubscriptionOptions subscription, FailurePolicy failurePolicy, int parallelism) {
    public Projection {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("a projection name must not be blank");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(failurePolicy, "failurePolicy");
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
    }

    /** A projection of every event from the origin, checkpointed after each event, failing on the first error. */
    public static Projection of(String name, ProjectionHandler handler) {
        return new Projection(name, handler, e -> true, SubscriptionOptions.defaults(), FailurePolicy.fail(), 1);
    }

    /** Only events that match {@code filter} reach the handler. */
    public Projection withFilter(Predicate<PersistedEvent> filter) {
        return new Projection(name, handler, filter, subscription, failurePolicy, parallelism);
    }

    /** Only events of the given classes (or subclasses) reach the handler. */
    public Projection withEventTypes(Class<?>... types) {
        Class<?>[] copy = types.clone();
        return withFilter(e -> {
            for (Class<?> t : copy) if (t.isInstance(e.event())) return true;
            return false;
        });
    }

    /** Only events with {@code tag}, read through the store's tag index. */
    public Projection withTag(String tag) {
        return withSubscription(subscription.withTag(tag));
    }

    public Projection withStartFrom(StartFrom startFrom) {
        return withSubscription(subscription.withStartFrom(startFrom));
    }

    /** Saves the checkpoint after each event (the default). */
    public Projection checkpointAfterEachEvent() {
        return withSubscription(subscription.withCheckpointEvery(1));
    }

    /** Saves the checkpoint after each batch of {@code events} handled events, and when the run ends. */
    public Projection checkpointAfterEachBatch(int events) {
        return withSubscription(subscription.withCheckpointEvery(events));
    }

    public Projection withFailurePolicy(FailurePolicy policy) {
        return new Projection(name, handler, filter, subscription, policy, parallelism);
    }

    public Projection withParallelism(int parallelism) {
        return new Projection(name, handler, filter, subscription, failurePolicy, parallelism);
    }

    public Projection withSubscription(SubscriptionOptions subscription) {
        return new Projection(name, handler, filter, subscription, failurePolicy, parallelism);
    }
}
