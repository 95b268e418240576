package io.perpetua.testing;

import io.perpetua.Context;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A process-form test behaviour: the state is the list of values added so far, each added by one
 * {@link Added} event. {@link Run} carries arbitrary handler code for tests of the context itself,
 * and an info message that is a {@link Step} is run the same way (timers).
 */
public final class Accumulator implements PersistentProcess<Accumulator.Command, List<String>, Accumulator.Added> {

    /** The only event: {@code value} was added. */
    public record Added(String value) implements Serializable {}

    public sealed interface Command permits Add, AddAll, Get, Run {}

    /** Persists one value and replies with the new state. */
    public record Add(String value) implements Command {}

    /** Persists all values atomically and replies with the new state. */
    public record AddAll(List<String> values) implements Command {}

    /** Replies with the state. */
    public record Get() implements Command {}

    /** Runs {@code step} as the handler. */
    public record Run(Step step) implements Command {}

    /** Handler code given by a test. */
    @FunctionalInterface
    public interface Step {
        void run(Context<List<String>, Added> ctx);
    }

    private final Predicate<String> poison;
    private final Function<String, List<String>> reaction;

    private Accumulator(Predicate<String> poison, Function<String, List<String>> reaction) {
        this.poison = poison;
        this.reaction = reaction;
    }

    /** The plain accumulator. */
    public static ProcessType<Command, List<String>, Added> type() {
        return ProcessType.of("accumulator", () -> new Accumulator(v -> false, v -> List.of()));
    }

    /** An accumulator whose {@code apply} throws for values matching {@code poison}. */
    public static ProcessType<Command, List<String>, Added> poisonedBy(Predicate<String> poison) {
        return ProcessType.of("accumulator", () -> new Accumulator(poison, v -> List.of()));
    }

    /** An accumulator that, after each persisted value, persists the values {@code reaction} gives for it. */
    public static ProcessType<Command, List<String>, Added> reacting(Function<String, List<String>> reaction) {
        return ProcessType.of("accumulator", () -> new Accumulator(v -> false, reaction));
    }

    public static Add add(String value) {
        return new Add(value);
    }

    public static AddAll addAll(String... values) {
        return new AddAll(List.of(values));
    }

    public static Get get() {
        return new Get();
    }

    public static Run run(Step step) {
        return new Run(step);
    }

    @Override
    public List<String> initialState() {
        return List.of();
    }

    @Override
    public List<String> apply(List<String> state, Added event) {
        if (poison.test(event.value())) throw new IllegalArgumentException("poisoned value '" + event.value() + "'");
        List<String> next = new ArrayList<>(state.size() + 1);
        next.addAll(state);
        next.add(event.value());
        return List.copyOf(next);
    }

    @Override
    public void handleCall(Command command, Context<List<String>, Added> ctx) {
        switch (command) {
            case Add a -> {
                ctx.persist(new Added(a.value()));
                ctx.reply(ctx.state());
            }
            case AddAll a -> {
                ctx.persistAll(a.values().stream().map(Added::new).toList());
                ctx.reply(ctx.state());
            }
            case Get g -> ctx.reply(ctx.state());
            case Run r -> r.step().run(ctx);
        }
    }

    @Override
    public void handleInfo(Object message, Context<List<String>, Added> ctx) {
        if (message instanceof Step step) step.run(ctx);
        else if (message instanceof String value) ctx.persist(new Added(value));
    }

    @Override
    public void onPersisted(Added event, Context<List<String>, Added> ctx) {
        for (String value : reaction.apply(event.value())) ctx.persist(new Added(value));
    }
}
