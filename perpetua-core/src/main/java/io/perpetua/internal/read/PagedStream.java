package io.perpetua.internal.read;

import io.perpetua.query.QueryStream;
import io.perpetua.spi.EventJournal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link QueryStream} that reads the journal one page at a time. Subclasses read the next page
 * and say whether they read nothing for now ({@link Fetch#IDLE}, live queries only) or reached the
 * end ({@link Fetch#END}).
 *
 * <p>Waiting: after an idle read the stream calls {@link EventJournal#awaitGlobalPosition} with the
 * highest position the subclass saw <em>before</em> that read. Any event that was not visible to the
 * read has a higher position, so no wake-up is lost; the wait is cut into slices of
 * {@link #WAIT_SLICE} only to notice {@link #close()} from another thread.
 */
abstract class PagedStream<T> implements QueryStream<T> {

    /** The longest single wait on the journal, so that close is noticed promptly. */
    static final Duration WAIT_SLICE = Duration.ofMillis(100);

    enum Fetch { MORE, IDLE, END }

    protected final EventJournal journal;
    protected final int pageSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<T> page = new ArrayDeque<>();
    private volatile boolean closed;
    private boolean ended;
    /** The highest global position visible before the last idle read; set by subclasses. */
    protected long idleAt;

    PagedStream(EventJournal journal, int pageSize) {
        this.journal = journal;
        this.pageSize = pageSize;
    }

    /** Reads the next page into {@code out}, which is empty, and advances the cursor. */
    protected abstract Fetch fetch(ArrayDeque<T> out);

    /** Called under the stream's lock for each result handed out, with whether more results of the same read follow. */
    protected void onDeliver(T item, T following) {}

    /**
     * Whether {@code item} is a marker a subclass put in the page for a position it read but delivers
     * nothing for (an event the adapter dropped); markers are never handed out.
     */
    protected boolean isPassOver(T item) {
        return false;
    }

    /** Called under the stream's lock when a marker reaches the head of the page, in delivery order. */
    protected void onPassOver(T marker, T following) {}

    @Override
    public Optional<T> poll(Duration timeout) throws InterruptedException {
        return take(timeout, true);
    }

    private Optional<T> take(Duration timeout, boolean remove) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        if (!lock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) return Optional.empty();
        try {
            while (true) {
                if (closed) return Optional.empty();
                T head = page.peek();
                if (head != null && isPassOver(head)) {
                    page.poll();
                    onPassOver(head, page.peek());
                    continue;
                }
                if (!remove && head != null) return Optional.of(head);
                T item = page.poll();
                if (item != null) {
                    onDeliver(item, page.peek());
                    return Optional.of(item);
                }
                if (ended) return Optional.empty();
                Fetch f;
                try {
                    f = fetch(page);
                } catch (RuntimeException e) {
                    close();
                    throw e;
                }
                if (f == Fetch.END) ended = true;
                if (f != Fetch.IDLE) continue;
                long left = deadline - System.nanoTime();
                if (left <= 0) return Optional.empty();
                journal.awaitGlobalPosition(idleAt, Duration.ofNanos(Math.min(left, WAIT_SLICE.toNanos())));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the query ended (current queries) or the stream closed, and nothing is left. */
    boolean finished() {
        lock.lock();
        try {
            return closed || (ended && page.isEmpty());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean hasNext() {
        return waitFor(false).isPresent();
    }

    @Override
    public T next() {
        return waitFor(true).orElseThrow(() -> new NoSuchElementException(
                closed ? "the query stream is closed" : "the query has ended"));
    }

    private Optional<T> waitFor(boolean remove) {
        try {
            while (true) {
                Optional<T> next = take(Duration.ofDays(1), remove);
                if (next.isPresent() || closed || finished()) return next;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the next result of a query");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        if (lock.tryLock()) {
            try {
                page.clear();
            } finally {
                lock.unlock();
            }
        }
    }
}
