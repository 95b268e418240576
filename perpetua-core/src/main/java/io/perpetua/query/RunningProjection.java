package io.perpetua.query;

import java.time.Duration;
import java.util.Optional;

/**
 * A projection running continuously on its own virtual threads until it is closed or fails. Thread-safe.
 */
public interface RunningProjection extends AutoCloseable {

    /** The projection's name. */
    String name();

    /** The position up to which every event has been handled (or skipped or filtered out). */
    long checkpoint();

    /**
     * Waits until the checkpoint reaches {@code position} or the projection stops.
     *
     * @return whether the checkpoint reached it in time
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    boolean awaitCheckpoint(long position, Duration timeout) throws InterruptedException;

    /** Whether it still runs: not closed and not failed. */
    boolean isRunning();

    /** Why it stopped, if it failed: a {@link ProjectionFailedException} or a store failure. */
    Optional<RuntimeException> failure();

    /** Stops after the events being handled, saves the checkpoint and releases the name. Idempotent. */
    @Override
    void close();
}
