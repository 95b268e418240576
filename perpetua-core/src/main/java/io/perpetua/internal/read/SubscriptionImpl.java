package io.perpetua.internal.read;

import io.perpetua.PersistedEvent;
import io.perpetua.internal.Telemetry;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.StartFrom;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A durable subscription: a {@link GlobalStream} from the position after the checkpoint, plus the
 * set of delivered, unacknowledged positions.
 *
 * <p>The checkpoint is {@code min(first unacknowledged position - 1, last completely delivered
 * position)}; "completely" because one stored event may decode into several events that share its
 * position, and the position counts only once all of them were delivered and acknowledged. Slots
 * for in-flight events are reserved before reading, so at most {@code maxInFlight} are ever
 * outstanding, whatever the number of polling threads. A stored event that an adapter dropped
 * delivers nothing; its position counts as complete when the stream passes it. Lock order: stream lock, then {@link #lock}.
 */
final class SubscriptionImpl implements DurableSubscription {

    private final String name;
    private final SubscriptionOptions options;
    private final CheckpointStore checkpoints;
    private final ConsumerLocks.Lock consumerLock;
    private final Stream stream;
    private final Runnable untrack;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition slotFreed = lock.newCondition();
    private final TreeMap<Long, Integer> inFlight = new TreeMap<>();
    private int outstanding; // delivered and unacknowledged, plus slots reserved by polling threads
    private long lastComplete;
    private long checkpoint;
    private long saved;
    private int movesSinceSave;
    private boolean closed;

    /**
     * Opens the subscription; with {@code end} below {@link Long#MAX_VALUE} it ends after that
     * position (for run-once projections).
     */
    SubscriptionImpl(Store store, String name, SubscriptionOptions options, int pageSize, long end,
            Function<StoredEvent, List<PersistedEvent>> decoder, Telemetry.SubscriptionLag lag) {
        this.name = name;
        this.options = options;
        this.checkpoints = store.checkpoints();
        this.consumerLock = ConsumerGuard.acquire(store, name);
        try {
            OptionalLong stored = checkpoints.load(name);
            long start = stored.isPresent() ? stored.getAsLong() : switch (options.startFrom()) {
                case StartFrom.Origin o -> 0;
                case StartFrom.Current c -> store.journal().highestGlobalPosition();
                case StartFrom.Position p -> p.position() - 1;
            };
            if (stored.isEmpty()) checkpoints.save(name, start);
            this.checkpoint = start;
            this.saved = start;
            this.lastComplete = start;
            this.stream = new Stream(store, pageSize, options.tag().orElse(null), start + 1, end, decoder);
            this.untrack = lag.track(name, store.journal(), this::checkpoint);
        } catch (RuntimeException e) {
            consumerLock.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<PersistedEvent> poll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        lock.lockInterruptibly();
        try {
            while (outstanding >= options.maxInFlight()) {
                if (closed) return Optional.empty();
                long left = deadline - System.nanoTime();
                if (left <= 0) return Optional.empty();
                slotFreed.await(Math.min(left, PagedStream.WAIT_SLICE.toNanos()), TimeUnit.NANOSECONDS);
            }
            if (closed) return Optional.empty();
            outstanding++; // reserve
        } finally {
            lock.unlock();
        }
        Optional<PersistedEvent> next = Optional.empty();
        try {
            next = stream.poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            return next;
        } finally {
            if (next.isEmpty()) release();
        }
    }

    private void release() {
        lock.lock();
        try {
            outstanding--;
            slotFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called by the stream under its lock, in delivery order. */
    private void delivered(PersistedEvent event, PersistedEvent following) {
        lock.lock();
        try {
            long p = event.globalPosition();
            inFlight.merge(p, 1, Integer::sum);
            lastComplete = following != null && following.globalPosition() == p ? p - 1 : p;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by the stream under its lock, in delivery order, for a stored event that decoded to no
     * event (an adapter dropped it): its position is complete once everything before it is.
     */
    private void passedOver(PersistedEvent marker) {
        lock.lock();
        try {
            lastComplete = marker.globalPosition();
            moveCheckpoint();
        } finally {
            lock.unlock();
        }
    }

    private void moveCheckpoint() {
        long moved = inFlight.isEmpty() ? lastComplete : Math.min(lastComplete, inFlight.firstKey() - 1);
        if (moved > checkpoint) {
            checkpoint = moved;
            if (++movesSinceSave >= options.checkpointEvery()) saveLocked();
        }
    }

    @Override
    public void acknowledge(PersistedEvent event) {
        long p = event.globalPosition();
        lock.lock();
        try {
            if (p <= checkpoint) return;
            Integer n = inFlight.get(p);
            if (n == null) {
                throw new IllegalArgumentException("subscription '" + name + "' did not deliver the event at position "
                        + p + " (" + event.persistenceId() + " #" + event.sequenceNr() + "), or it was acknowledged already");
            }
            if (n == 1) inFlight.remove(p);
            else inFlight.put(p, n - 1);
            outstanding--;
            moveCheckpoint();
            slotFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long checkpoint() {
        lock.lock();
        try {
            return checkpoint;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void saveCheckpoint() {
        lock.lock();
        try {
            saveLocked();
        } finally {
            lock.unlock();
        }
    }

    private void saveLocked() {
        if (checkpoint != saved) {
            checkpoints.save(name, checkpoint);
            saved = checkpoint;
        }
        movesSinceSave = 0;
    }

    /** Whether a bounded subscription has delivered everything up to its end. */
    boolean finished() {
        return stream.finished();
    }

    /** Number of events delivered and not acknowledged, with reserved slots. */
    int outstanding() {
        lock.lock();
        try {
            return outstanding;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            slotFreed.signalAll();
        } finally {
            lock.unlock();
        }
        stream.close();
        untrack.run();
        try {
            saveCheckpoint();
        } finally {
            consumerLock.close();
        }
    }

    private final class Stream extends GlobalStream {
        Stream(Store store, int pageSize, String tag, long from, long end,
                Function<StoredEvent, List<PersistedEvent>> decoder) {
            super(store.journal(), pageSize, tag, from, end, decoder);
        }

        @Override
        protected void onDeliver(PersistedEvent item, PersistedEvent following) {
            delivered(item, following);
        }

        @Override
        protected boolean marksDropped() {
            return true;
        }

        @Override
        protected void onPassOver(PersistedEvent marker, PersistedEvent following) {
            passedOver(marker);
        }
    }
}
