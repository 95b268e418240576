package io.perpetua.spi;

import java.util.OptionalLong;

/**
 * Named positions for subscriptions and projections. {@link #save} overwrites; once it returns the
 * position is durable and visible to {@link #load}. Failures throw {@link StoreException}. Safe to
 * call from many threads.
 */
public interface CheckpointStore {

    /** Stores {@code position} under {@code name} (non-blank), replacing any earlier value. */
    void save(String name, long position);

    /** The position stored under {@code name}, if any. */
    OptionalLong load(String name);

    /** Removes the position stored under {@code name}, if any. */
    void delete(String name);
}
