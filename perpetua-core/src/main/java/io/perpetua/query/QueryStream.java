package io.perpetua.query;

import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * A pull stream over the results of a {@link Query}, in the query's order. It holds at most one page
 * of results (see {@link EventQueries.Builder#pageSize(int)}) and reads the next page from the store
 * only when the previous one is consumed, so a slow consumer holds back nothing but itself.
 *
 * <p><b>Threads.</b> All methods may be called from several threads. Each result is returned by
 * exactly one call of {@link #next()} or {@link #poll}; calls are serialized, so results come out in
 * the query's order in the order the calls return, but which thread gets which result is not
 * promised. {@link #close()} may be called from any thread at any time: a caller blocked in
 * {@link #hasNext()}, {@link #next()} or {@link #poll} then returns promptly ({@code false}, a
 * {@link java.util.NoSuchElementException} or an empty result).
 *
 * <p>On a live query {@link #hasNext()} blocks until a result arrives or the stream is closed. A
 * blocked call whose thread is interrupted throws {@link CancellationException} with the interrupt
 * status set again. A store failure is thrown as {@link io.perpetua.spi.StoreException}; the stream
 * is then closed.
 *
 * @param <T> what the stream delivers
 */
public interface QueryStream<T> extends Iterator<T>, AutoCloseable {

    /**
     * Waits up to {@code timeout} for the next result.
     *
     * @return the next result; empty if none arrived in time, the query ended, or the stream is closed
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    Optional<T> poll(Duration timeout) throws InterruptedException;

    /** Whether the stream is closed, by {@link #close()} or by a failure; a finished current query is not closed. */
    boolean isClosed();

    /** Stops the stream and releases its page; idempotent. */
    @Override
    void close();
}
