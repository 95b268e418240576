package io.perpetua.query;

/**
 * Where a durable subscription or projection starts the first time it runs under its name; once it
 * has a checkpoint it always resumes after the checkpoint instead.
 */
public sealed interface StartFrom {

    /** From the first event in the store. */
    static StartFrom origin() {
        return Origin.INSTANCE;
    }

    /** After the last event visible when it first opens: only events persisted later. */
    static StartFrom current() {
        return Current.INSTANCE;
    }

    /** From the event at global position {@code position} (inclusive), at least 1. */
    static StartFrom position(long position) {
        return new Position(position);
    }

    /** From the first event. */
    enum Origin implements StartFrom { INSTANCE }

    /** After the events visible at the first open. */
    enum Current implements StartFrom { INSTANCE }

    /** From a global position, inclusive. */
    record Position(long position) implements StartFrom {
        public Position {
            if (position < 1) throw new IllegalArgumentException("start position must be >= 1, was " + position);
        }
    }
}
