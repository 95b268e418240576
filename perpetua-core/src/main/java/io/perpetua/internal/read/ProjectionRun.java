package io.perpetua.internal.read;

import io.perpetua.PersistedEvent;
import io.perpetua.query.FailurePolicy;
import io.perpetua.query.Projection;
import io.perpetua.query.ProjectionFailedException;
import io.perpetua.query.ProjectionResult;
import io.perpetua.query.RunningProjection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a projection over its durable subscription. With parallelism 1 the reading thread handles
 * each event itself; otherwise it hands events to one worker per partition (the persistence id's
 * hash), each with a queue of at most {@code maxInFlight} events, so the events of one id are handled
 * in order while different ids run in parallel. Acknowledgements come from the workers in any
 * order; the subscription's checkpoint covers only events handled without a gap.
 */
final class ProjectionRun implements RunningProjection {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRun.class);
    private static final PersistedEvent STOP = new PersistedEvent("-", 0, 0, java.time.Instant.EPOCH, java.util.Set.of(), "stop");

    private final Projection projection;
    private final SubscriptionImpl subscription;
    private final boolean once;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong filteredOut = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<BlockingQueue<PersistedEvent>> partitions = new ArrayList<>();
    private final Object progress = new Object();
    private volatile boolean stopping;
    private volatile RuntimeException failure;
    private final Thread reader;

    ProjectionRun(Projection projection, SubscriptionImpl subscription, boolean once) {
        this.projection = projection;
        this.subscription = subscription;
        this.once = once;
        if (projection.parallelism() > 1) {
            for (int i = 0; i < projection.parallelism(); i++) {
                BlockingQueue<PersistedEvent> queue = new ArrayBlockingQueue<>(projection.subscription().maxInFlight() + 1);
                partitions.add(queue);
                threads.add(Thread.ofVirtual().name("perpetua-projection-" + projection.name() + "-" + i)
                        .start(() -> work(queue)));
            }
        }
        reader = Thread.ofVirtual().name("perpetua-projection-" + projection.name()).start(this::read);
    }

    private void read() {
        try {
            while (!stopping) {
                Optional<PersistedEvent> next = subscription.poll(PagedStream.WAIT_SLICE);
                if (next.isPresent()) {
                    PersistedEvent e = next.get();
                    if (partitions.isEmpty()) process(e);
                    else partitions.get(Math.floorMod(e.persistenceId().hashCode(), partitions.size())).put(e);
                } else if (once && subscription.finished()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            for (BlockingQueue<PersistedEvent> q : partitions) {
                try {
                    q.put(STOP);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void work(BlockingQueue<PersistedEvent> queue) {
        try {
            while (true) {
                PersistedEvent e = queue.take();
                if (e == STOP) return;
                if (!stopping) process(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void process(PersistedEvent e) throws InterruptedException {
        if (!projection.filter().test(e)) {
            filteredOut.incrementAndGet();
            acknowledge(e);
            return;
        }
        FailurePolicy.Retry policy = (FailurePolicy.Retry) projection.failurePolicy();
        for (int attempt = 0; ; attempt++) {
            try {
                projection.handler().handle(e);
                handled.incrementAndGet();
                acknowledge(e);
                return;
            } catch (InterruptedException interrupted) {
                throw interrupted;
            } catch (Exception ex) {
                if (attempt < policy.retries() && !stopping) {
                    log.warn("projection '{}' failed on {} #{} (attempt {} of {}), retrying: {}", projection.name(),
                            e.persistenceId(), e.sequenceNr(), attempt + 1, policy.retries() + 1, ex.toString());
                    Thread.sleep(policy.backoff());
                } else if (policy.thenSkip()) {
                    log.warn("projection '{}' skipped {} #{} at position {} after {} attempt(s): {}", projection.name(),
                            e.persistenceId(), e.sequenceNr(), e.globalPosition(), attempt + 1, ex.toString());
                    skipped.incrementAndGet();
                    acknowledge(e);
                    return;
                } else {
                    fail(new ProjectionFailedException(projection.name(), e.persistenceId(), e.sequenceNr(),
                            e.globalPosition(), ex));
                    return;
                }
            }
        }
    }

    private void acknowledge(PersistedEvent e) {
        subscription.acknowledge(e);
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void fail(RuntimeException e) {
        synchronized (progress) {
            if (failure == null) failure = e;
            stopping = true;
            progress.notifyAll();
        }
        log.error("projection '{}' stopped: {}", projection.name(), e.getMessage());
    }

    /** Waits for a run-once to end and returns its result, or throws its failure. */
    ProjectionResult awaitResult() {
        try {
            join();
        } finally {
            subscription.close();
        }
        if (failure != null) throw failure;
        return new ProjectionResult(handled.get(), skipped.get(), filteredOut.get(), subscription.checkpoint());
    }

    private void join() {
        boolean interrupted = false;
        List<Thread> all = new ArrayList<>(threads);
        all.add(reader);
        for (Thread t : all) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    stopping = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override
    public String name() {
        return projection.name();
    }

    @Override
    public long checkpoint() {
        return subscription.checkpoint();
    }

    @Override
    public boolean awaitCheckpoint(long position, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (subscription.checkpoint() < position) {
                if (!isRunning()) return false;
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, PagedStream.WAIT_SLICE.toNanos()));
            }
            return true;
        }
    }

    @Override
    public boolean isRunning() {
        return !stopping && reader.isAlive();
    }

    @Override
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        stopping = true;
        join();
        subscription.close();
    }
}
