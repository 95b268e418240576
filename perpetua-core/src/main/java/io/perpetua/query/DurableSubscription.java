package io.perpetua.query;

import io.perpetua.PersistedEvent;
import java.time.Duration;
import java.util.Optional;

/**
 * A named, resumable, live reader of the events of a store (all of them or one tag), in global
 * position order, delivered at least once.
 *
 * <p><b>Catch-up and live are one cursor.</b> The subscription reads pages from storage from the
 * position after its checkpoint; when it reaches the end it waits for the store to report a higher
 * global position and reads again. The journal guarantees that once a position is visible no lower
 * one appears later, so the switch from catch-up to live has no gap and no duplicate. Nothing is
 * pushed into the subscription by writers: a slow or stalled consumer never makes a writer wait and
 * holds at most one page plus {@link SubscriptionOptions#maxInFlight()} events; when it falls behind
 * it simply reads further back in storage.
 *
 * <p><b>Acknowledgements and checkpoints.</b> The checkpoint is the highest position up to which
 * every delivered event has been {@link #acknowledge acknowledged}; acknowledgements may come in any
 * order and from any thread. It is saved in the store's {@link io.perpetua.spi.CheckpointStore} under
 * the subscription's name (see {@link SubscriptionOptions#checkpointEvery()}) and on {@link #close()}.
 * A subscription opened again under the same name resumes after its checkpoint: events delivered but
 * not acknowledged are delivered again. The first open saves a checkpoint for its start, so a
 * subscription started from {@link StartFrom#current()} that fails before acknowledging anything
 * still resumes where it started.
 *
 * <p><b>One consumer per name.</b> Opening a name that is open elsewhere throws
 * {@link ConsumerAlreadyActiveException}: among the users of the same store instance in this JVM, and
 * among all users of the store when it implements {@link io.perpetua.spi.ConsumerLocks} (the memory
 * store does, for every opener of a named store).
 *
 * <p>All methods may be called from several threads; each event is delivered to exactly one call.
 */
public interface DurableSubscription extends AutoCloseable {

    /** The name the checkpoint is stored under. */
    String name();

    /**
     * Waits up to {@code timeout} for the next event. Waits also while
     * {@link SubscriptionOptions#maxInFlight()} events are unacknowledged.
     *
     * @return the next event, or empty if none arrived in time or the subscription is closed
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws io.perpetua.spi.StoreException if the store fails; the subscription is then closed
     */
    Optional<PersistedEvent> poll(Duration timeout) throws InterruptedException;

    /**
     * Marks {@code event} as processed. Acknowledging an event at or below the checkpoint again does
     * nothing.
     *
     * @throws IllegalArgumentException if the event was not delivered by this subscription
     */
    void acknowledge(PersistedEvent event);

    /** The position up to which every event has been acknowledged (0 before the first). */
    long checkpoint();

    /** Saves the checkpoint now if it moved since the last save. */
    void saveCheckpoint();

    /**
     * Saves the checkpoint, stops reading and releases the name. Unacknowledged events are delivered
     * again to the next subscription under this name. Idempotent.
     */
    @Override
    void close();
}
