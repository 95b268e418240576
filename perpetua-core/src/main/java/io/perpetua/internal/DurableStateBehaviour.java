package io.perpetua.internal;

import io.perpetua.Context;
import io.perpetua.PersistentProcess;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Runs a durable-state process: each call or cast computes the next state; a changed state is
 * stored whole (through {@code toStored}) before the call replies with it. There are no events;
 * {@link ProcessInstance} loads and stores the state through the store's durable-state SPI.
 */
public final class DurableStateBehaviour<M, S> implements PersistentProcess<M, S, Void> {

    /** What a durable-state process's context can do besides the usual: store the whole state. */
    interface StateWriter<S> {
        /** Stores {@code next} as the process's state and makes it current. */
        void storeState(S next);
    }

    private final String typeName;
    private final S initialState;
    private final BiFunction<? super S, ? super M, ? extends S> handle;
    private final UnaryOperator<S> toStored;

    public DurableStateBehaviour(String typeName, S initialState, BiFunction<? super S, ? super M, ? extends S> handle,
            UnaryOperator<S> toStored) {
        this.typeName = typeName;
        this.initialState = initialState;
        this.handle = handle;
        this.toStored = toStored;
    }

    @Override
    public S initialState() {
        return initialState;
    }

    @Override
    public S apply(S state, Void event) {
        throw new UnsupportedOperationException("durable-state process type '" + typeName + "' has no events");
    }

    @Override
    @SuppressWarnings("unchecked")
    public void handleCall(M message, Context<S, Void> ctx) {
        S current = ctx.state();
        S next = handle.apply(current, message);
        if (next == null) {
            throw new IllegalStateException("the handler of durable-state process type '" + typeName
                    + "' returned null for " + message);
        }
        if (!next.equals(current)) ((StateWriter<S>) ctx).storeState(next);
        ctx.reply(ctx.state());
    }

    /**
     * The stored state of {@code persistenceId} (or the initial state if none), with its revision as
     * the sequence number.
     */
    @SuppressWarnings("unchecked")
    public Recovery.Recovered<S> load(String persistenceId, ProcessSettings<S, ?> settings) {
        java.util.Optional<io.perpetua.spi.DurableStateRecord> stored =
                settings.store().durableState().load(persistenceId);
        if (stored.isEmpty()) return new Recovery.Recovered<>(initialState, 0, 0, 0);
        S state = (S) Codec.decode(settings.serializer(), stored.get().payload());
        return new Recovery.Recovered<>(state, stored.get().revision(), 0, 0);
    }

    /** The form of {@code state} that is stored. */
    S stored(S state) {
        S s = toStored.apply(state);
        if (s == null) throw new IllegalStateException("the stored-form mapper of '" + typeName + "' returned null");
        return s;
    }
}
