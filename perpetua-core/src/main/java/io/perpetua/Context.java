package io.perpetua;

import java.time.Duration;
import java.util.List;

/**
 * What a handler of the process form can do. Valid only on the process's own thread while a
 * handler runs; calls from elsewhere throw {@link IllegalStateException}.
 *
 * @param <S> the state
 * @param <E> the events
 */
public interface Context<S, E> {

    String persistenceId();

    /** The state after every event persisted so far. */
    S state();

    /** The sequence number of the last event applied (0 if none). */
    long lastSequenceNr();

    /**
     * Appends {@code event} and returns once it is durable and applied to {@link #state()}.
     *
     * @throws PersistRejectedException if it was refused before writing (nothing written, state unchanged)
     * @throws ConcurrencyConflictException if another writer appended first (newer events are loaded)
     * @throws PersistFailedException if the outcome is unknown; the process restarts from the journal
     *     after the current message, whatever the handler does with this exception
     */
    void persist(E event);

    /** Appends all {@code events} atomically (after a crash, all or none are in the journal). */
    void persistAll(List<? extends E> events);

    /** Replies to the current call; ignored for casts and info messages. At most once per call. */
    void reply(Object value);

    /** Sends {@code message} to this process's {@link PersistentProcess#handleInfo} after {@code delay}. */
    Timer sendAfter(Duration delay, Object message);

    /** Saves a snapshot of the current state now; a failure is logged, never thrown. */
    void saveSnapshot();

    /**
     * Stops the process after the current message; it refuses new messages at once. Messages still in
     * the mailbox fail with {@link ProcessStoppedException}; pending timers are cancelled. A normal
     * stop (see {@link ProcessType#withEraseOnStop}); under {@link RestartPolicy#PERMANENT} the process
     * instead restarts at once with its mailbox kept.
     */
    void stop();
}
