package io.perpetua.internal;

import io.perpetua.EventListener;
import io.perpetua.PersistedEvent;
import io.perpetua.Subscription;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers persisted events to transient listeners. Each subscription has a bounded buffer and its
 * own virtual thread, so a slow listener never delays the journal writer; one that overflows its
 * buffer is closed and told so.
 */
public final class EventDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

    private final CopyOnWriteArrayList<Sub> subs = new CopyOnWriteArrayList<>();
    private final int capacity;

    public EventDispatcher(int capacity) {
        this.capacity = capacity;
    }

    boolean hasListeners() {
        return !subs.isEmpty();
    }

    public Subscription subscribe(EventListener listener) {
        Sub sub = new Sub(listener, capacity);
        subs.add(sub);
        sub.thread = Thread.ofVirtual().name("perpetua-subscriber").start(sub::run);
        return sub;
    }

    /** Called by the writer with one batch's events in global-position order. */
    void publish(List<PersistedEvent> events) {
        for (Sub sub : subs) {
            for (PersistedEvent e : events) {
                if (!sub.buffer.offer(e)) {
                    sub.overflowed = true;
                    sub.close();
                    break;
                }
            }
        }
    }

    @Override
    public void close() {
        for (Sub sub : subs) sub.closeAfterDrain();
    }

    private final class Sub implements Subscription {
        final EventListener listener;
        final BlockingQueue<PersistedEvent> buffer;
        volatile Thread thread;
        volatile boolean closed;
        volatile boolean draining;
        volatile boolean overflowed;
        private long failures; // delivery thread

        Sub(EventListener listener, int capacity) {
            this.listener = listener;
            this.buffer = new ArrayBlockingQueue<>(capacity);
        }

        void run() {
            try {
                while (!closed) {
                    PersistedEvent e = buffer.poll(50, TimeUnit.MILLISECONDS);
                    if (e == null) {
                        if (draining) break;
                        continue;
                    }
                    try {
                        listener.onEvent(e);
                    } catch (RuntimeException ex) {
                        if (failures++ == 0) {
                            log.warn("event listener {} failed on {} #{}; delivery continues (its further failures "
                                    + "are logged at DEBUG)", listener, e.persistenceId(), e.sequenceNr(), ex);
                        } else {
                            log.debug("event listener {} failed on {} #{}", listener, e.persistenceId(), e.sequenceNr(), ex);
                        }
                    }
                }
            } catch (InterruptedException ignored) {
                // closed
            }
            closed = true;
            subs.remove(this);
            if (overflowed) {
                log.warn("event listener {} fell more than {} events behind and was closed", listener, capacity);
                try {
                    listener.onOverflow();
                } catch (RuntimeException ex) {
                    log.warn("event listener {} failed in onOverflow", listener, ex);
                }
            }
        }

        void closeAfterDrain() {
            draining = true;
            Thread t = thread;
            if (t != null) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            close();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            closed = true;
            subs.remove(this);
        }
    }
}
