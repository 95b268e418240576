package io.perpetua.testing;

import java.io.Serializable;
import java.util.List;

/**
 * A pure-form test domain with no Perpetua import: a count that can go up and, while it stays at
 * or above zero, down.
 */
public final class Counter {
    private Counter() {}

    public sealed interface Command permits Increment, Decrement, Noop {}

    public record Increment(int by) implements Command {}

    /** Rejected if the count would go below zero. */
    public record Decrement(int by) implements Command {}

    /** Decides nothing. */
    public record Noop() implements Command {}

    public sealed interface Event extends Serializable permits Incremented, Decremented {}

    public record Incremented(int by) implements Event {}

    public record Decremented(int by) implements Event {}

    /** The rejection of a command. */
    public static final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message);
        }
    }

    public static List<Event> decide(Command command, Integer count) {
        return switch (command) {
            case Increment i -> List.of(new Incremented(i.by()));
            case Decrement d when d.by() > count -> throw new Rejected("cannot take " + d.by() + " from " + count);
            case Decrement d -> List.of(new Decremented(d.by()));
            case Noop n -> List.of();
        };
    }

    public static Integer evolve(Integer count, Event event) {
        return switch (event) {
            case Incremented i -> count + i.by();
            case Decremented d -> count - d.by();
        };
    }
}
