package io.perpetua.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The highest visible global position of a journal, and the wake-up that
 * {@link EventJournal#awaitGlobalPosition} needs: a store calls {@link #advance} once new events are
 * visible, and readers wait in {@link #await}. The position only grows. {@link #close()} releases
 * every waiter at once, so a closing store never leaves a reader blocked. Thread-safe.
 */
public final class PositionSignal {

    private static final VarHandle HIGHEST;

    static {
        try {
            HIGHEST = MethodHandles.lookup().findVarHandle(PositionSignal.class, "highest", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile long highest;
    private volatile boolean closed;
    /** Threads in {@link #await}; an advance with none takes no lock (it happens on every append). */
    private volatile int waiters;

    /** A signal starting at {@code initial} (the highest position already visible, 0 for none). */
    public PositionSignal(long initial) {
        if (initial < 0) throw new IllegalArgumentException("position must be >= 0, was " + initial);
        this.highest = initial;
    }

    /** The highest position announced so far. */
    public long highest() {
        return highest;
    }

    /** Announces that events up to {@code position} are visible; a lower or equal position changes nothing. */
    public void advance(long position) {
        for (long h; position > (h = highest); ) {
            if (HIGHEST.compareAndSet(this, h, position)) {
                // A waiter registers before it reads highest, and this reads waiters after it wrote
                // highest, so one of the two sees the other: without waiters, no lock is taken.
                if (waiters > 0) signalWaiters();
                return;
            }
        }
    }

    private void signalWaiters() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the highest position is above {@code afterPosition}, the timeout passes, or the
     * signal is closed, and returns the highest position (at or below {@code afterPosition} when it
     * returned for another reason).
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public long await(long afterPosition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lockInterruptibly();
        waiters++;
        try {
            while (highest <= afterPosition && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            waiters--;
            lock.unlock();
        }
        return highest;
    }

    /** Releases every waiter now and makes later waits return at once. */
    public void close() {
        closed = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
