package io.perpetua;

/**
 * The process form: a gen_server-like handler whose state changes only through persisted events.
 *
 * <p>One instance serves one process and is called from that process's own thread, one message at
 * a time, so it needs no synchronisation. The state lives in {@code S} and changes only through
 * {@link #apply}, which the runtime calls for every event persisted live and for every event
 * replayed in recovery; it must be pure (no side effects, same result for the same input). Replies,
 * messages and timers belong in the handlers, after {@link Context#persist} has returned.
 *
 * <p>A handler that throws fails its message (the caller of {@link ProcessRef#call} gets the
 * exception) and leaves the state as of the last persisted event.
 *
 * @param <M> the type of calls and casts this process accepts
 * @param <S> the state
 * @param <E> the events
 */
public interface PersistentProcess<M, S, E> {

    /** The state of a process with no events. */
    S initialState();

    /** The state after {@code event}. Pure: used live and in recovery. */
    S apply(S state, E event);

    /**
     * Handles a call. Reply with {@link Context#reply}; a call the handler returns from without a
     * reply completes with {@code null}.
     */
    default void handleCall(M request, Context<S, E> ctx) {
        throw new UnsupportedOperationException(getClass().getName() + " does not handle calls: " + request);
    }

    /** Handles a cast (no reply). By default treated as a call whose reply is dropped. */
    default void handleCast(M message, Context<S, E> ctx) {
        handleCall(message, ctx);
    }

    /** Handles an info message: a timer from {@link Context#sendAfter} or {@link ProcessRef#send}. */
    default void handleInfo(Object message, Context<S, E> ctx) {}

    /**
     * Called after each persisted event has been applied, in sequence order, before
     * {@link Context#persist} returns. It may persist further events (they take the next numbers).
     */
    default void onPersisted(E event, Context<S, E> ctx) {}

    /** Called once recovery has finished, before the first message. */
    default void onRecovered(Context<S, E> ctx) {}
}
