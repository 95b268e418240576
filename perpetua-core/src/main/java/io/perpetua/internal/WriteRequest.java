package io.perpetua.internal;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.WriteResult;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One process's atomic write waiting for the group-commit writer, with the event objects for
 * subscribers. The process thread parks in {@link #await()} until the writer completes it.
 */
final class WriteRequest {
    final AtomicWrite write;
    final List<?> events;
    private final Thread waiter = Thread.currentThread();
    private volatile boolean done;
    private WriteResult result;
    private RuntimeException failure;

    WriteRequest(AtomicWrite write, List<?> events) {
        this.write = write;
        this.events = events;
    }

    void complete(WriteResult result) {
        this.result = result;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    void fail(RuntimeException failure) {
        this.failure = failure;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    /** Waits for the outcome; throws the writer's failure (outcome unknown). Not interruptible. */
    WriteResult await() {
        boolean interrupted = false;
        while (!done) {
            LockSupport.park(this);
            if (Thread.interrupted()) interrupted = true;
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
        return result;
    }
}
