package io.perpetua.spi;

import java.util.OptionalLong;

/**
 * Named positions for subscriptions and projections. {@link #save} overwrites; once it returns the
 * position is durable and visible to {@link #load}. Failures throw {@link StoreException}. Safe to
 * call from many threads.
 */
public interface CheckpointStore {

    /**
     * Stores {@code position} under {@code name}, replacing any earlier value. Every store accepts
     * names of up to 255 characters without ISO control characters.
     *
     * @throws IllegalArgumentException if {@code name} is null or blank (also for {@link #load} and
     *     {@link #delete})
     */
    void save(String name, long position);

    /** The position stored under {@code name}, if any. */
    OptionalLong load(String name);

    /** Removes the position stored under {@code name}, if any. */
    void delete(String name);

    /**
     * Every name that holds a position, in ascending code point order; for tools that copy or list a
     * store. Stores implement it; the default refuses.
     *
     * @throws UnsupportedOperationException if the store cannot list its checkpoints
     */
    default java.util.List<String> names() {
        throw new UnsupportedOperationException(getClass().getName() + " cannot list its checkpoints");
    }
}
