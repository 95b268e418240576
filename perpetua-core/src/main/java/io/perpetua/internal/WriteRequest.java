package io.perpetua.internal;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.WriteResult;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One process's atomic write waiting for group commit, with the event objects for subscribers.
 * The process thread waits in {@link #await()}: it writes the batch itself when no one else is
 * writing ({@link JournalWriter#combine}), otherwise it parks until the writing thread completes it.
 */
final class WriteRequest {
    final AtomicWrite write;
    final List<?> events;
    private final JournalWriter writer;
    private final Thread waiter = Thread.currentThread();
    private volatile boolean done;
    private WriteResult result;
    private RuntimeException failure;

    WriteRequest(AtomicWrite write, List<?> events, JournalWriter writer) {
        this.write = write;
        this.events = events;
        this.writer = writer;
    }

    void complete(WriteResult result) {
        this.result = result;
        this.done = true;
        wake();
    }

    void fail(RuntimeException failure) {
        this.failure = failure;
        this.done = true;
        wake();
    }

    boolean isDone() {
        return done;
    }

    void wake() {
        if (waiter != Thread.currentThread()) LockSupport.unpark(waiter);
    }

    /** Waits for the outcome; throws the store's failure (outcome unknown). Not interruptible. */
    WriteResult await() {
        boolean interrupted = false;
        while (!done) {
            writer.combine(this);
            if (done) break;
            LockSupport.park(this);
            if (Thread.interrupted()) interrupted = true;
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
        return result;
    }
}
