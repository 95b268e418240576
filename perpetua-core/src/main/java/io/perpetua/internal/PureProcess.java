package io.perpetua.internal;

import io.perpetua.Context;
import io.perpetua.PersistentProcess;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Runs the pure form (decide/evolve) as a process: a call or cast decides, persists the events
 * atomically, and a call replies with the new state.
 */
public final class PureProcess<C, S, E> implements PersistentProcess<C, S, E> {

    private final String typeName;
    private final S initialState;
    private final BiFunction<? super C, ? super S, ? extends List<? extends E>> decide;
    private final BiFunction<? super S, ? super E, ? extends S> evolve;

    public PureProcess(String typeName, S initialState, BiFunction<? super C, ? super S, ? extends List<? extends E>> decide,
            BiFunction<? super S, ? super E, ? extends S> evolve) {
        this.typeName = typeName;
        this.initialState = initialState;
        this.decide = decide;
        this.evolve = evolve;
    }

    @Override
    public S initialState() {
        return initialState;
    }

    @Override
    public S apply(S state, E event) {
        S next = evolve.apply(state, event);
        if (next == null) {
            throw new IllegalStateException("evolve of process type '" + typeName + "' returned null for event " + event);
        }
        return next;
    }

    @Override
    public void handleCall(C command, Context<S, E> ctx) {
        List<? extends E> events = decide.apply(command, ctx.state());
        if (events == null) {
            throw new IllegalStateException("decide of process type '" + typeName + "' returned null for command "
                    + command + "; return an empty list to persist nothing");
        }
        if (!events.isEmpty()) ctx.persistAll(events);
        ctx.reply(ctx.state());
    }
}
