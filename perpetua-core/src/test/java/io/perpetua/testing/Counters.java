package io.perpetua.testing;

import io.perpetua.ProcessType;

/** The {@link Counter} domain registered as a pure-form process type. */
public final class Counters {
    private Counters() {}

    public static ProcessType<Counter.Command, Integer, Counter.Event> type() {
        return ProcessType.<Counter.Command, Integer, Counter.Event>pure("counter", 0, Counter::decide, Counter::evolve);
    }
}
