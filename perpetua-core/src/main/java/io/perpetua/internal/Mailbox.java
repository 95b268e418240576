package io.perpetua.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A process's mailbox: many senders, one consumer (the process thread). Lock-free; a sender wakes
 * the consumer only when it is waiting, so a busy process is never unparked needlessly.
 *
 * <p>The consumer announces that it is about to wait ({@link #waiter}) before looking at the queue
 * a last time; a sender adds before it looks at {@link #waiter}. So either the consumer sees the
 * message or the sender sees the waiter and unparks it.
 */
final class Mailbox<T> {
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private volatile Thread waiter;

    void add(T message) {
        queue.offer(message);
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    T poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Number of messages waiting; O(n) and approximate under concurrent use (for metrics). */
    int size() {
        return queue.size();
    }

    /** The next message, waiting for one as long as needed. */
    T take() throws InterruptedException {
        return poll(Long.MAX_VALUE);
    }

    /** The next message, or null after waiting {@code nanos}; {@code Long.MAX_VALUE}: no limit. */
    T poll(long nanos) throws InterruptedException {
        if (Thread.interrupted()) throw new InterruptedException();
        T message = queue.poll();
        if (message != null) return message;
        long deadline = nanos == Long.MAX_VALUE ? 0 : System.nanoTime() + nanos;
        Thread me = Thread.currentThread();
        try {
            while (true) {
                waiter = me;
                message = queue.poll();
                if (message != null) return message;
                if (nanos == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return null;
                    LockSupport.parkNanos(this, left);
                }
                if (Thread.interrupted()) throw new InterruptedException();
                waiter = null;
                message = queue.poll();
                if (message != null) return message;
            }
        } finally {
            waiter = null;
        }
    }
}
