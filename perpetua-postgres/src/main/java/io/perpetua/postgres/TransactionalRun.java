package io.perpetua.postgres;

import io.perpetua.PersistedEvent;
import io.perpetua.query.ConsumerAlreadyActiveException;
import io.perpetua.query.EventQueries;
import io.perpetua.query.FailurePolicy;
import io.perpetua.query.ProjectionFailedException;
import io.perpetua.query.ProjectionResult;
import io.perpetua.query.Query;
import io.perpetua.query.QueryStream;
import io.perpetua.query.RunningProjection;
import io.perpetua.query.StartFrom;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a {@link TransactionalProjection}, on a virtual thread of its own.
 *
 * <p>The algorithm: read events in global order from the position after the checkpoint. For each
 * batch, take a connection, turn auto-commit off, call the handler for each event on it (each call
 * under a savepoint when the failure policy retries or skips, so a failed call leaves no writes),
 * then move the checkpoint row from the position it had to the batch's last position and commit.
 * The hazard is an event applied twice or lost: both are excluded because the handler's writes and
 * the checkpoint commit in one transaction, a batch only ends after the last event of a stored event
 * (one stored event may be split into several events sharing its position), and the checkpoint moves
 * by compare-and-set, so a second consumer that got the name after this one lost its lock cannot
 * commit over it. One consumer per name is guarded by the store's advisory lock.
 */
final class TransactionalRun implements RunningProjection {

    private static final Logger log = LoggerFactory.getLogger(TransactionalRun.class);
    private static final Duration WAIT = Duration.ofMillis(100);

    private final PostgresStore store;
    private final EventQueries queries;
    private final TransactionalProjection projection;
    private final FailurePolicy.Retry policy;
    private final boolean once;
    private final ConsumerLocks.Lock lock;
    private final Object progress = new Object();
    private final Thread thread;
    private volatile long checkpoint;
    private volatile boolean stopping;
    private volatile RuntimeException failure;
    private long handled;
    private long skipped;
    private long filteredOut;

    TransactionalRun(PostgresStore store, EventQueries queries, TransactionalProjection projection, boolean once) {
        this.store = store;
        this.queries = queries;
        this.projection = projection;
        this.policy = (FailurePolicy.Retry) projection.failurePolicy();
        this.once = once;
        this.lock = ((ConsumerLocks) store.checkpoints()).tryLock(projection.name())
                .orElseThrow(() -> new ConsumerAlreadyActiveException(projection.name(), store.uri()));
        try {
            this.checkpoint = startingCheckpoint();
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        this.thread = Thread.ofVirtual().name("perpetua-projection-" + projection.name()).start(this::run);
    }

    private long startingCheckpoint() {
        OptionalLong stored = store.checkpoints().load(projection.name());
        if (stored.isPresent()) return stored.getAsLong();
        long start = switch (projection.startFrom()) {
            case StartFrom.Origin o -> 0;
            case StartFrom.Current c -> store.journal().highestGlobalPosition();
            case StartFrom.Position p -> p.position() - 1;
        };
        store.checkpoints().save(projection.name(), start);
        return start;
    }

    /** What one open transaction did so far. */
    private static final class Batch {
        final Connection connection;
        int events;
        long lastPosition;
        long handled;
        long skipped;
        long filteredOut;
        /** Its connection went back to the pool. */
        boolean released;

        Batch(Connection connection) {
            this.connection = connection;
        }
    }

    private void run() {
        Batch batch = null;
        try {
            long end = once ? store.journal().highestGlobalPosition() : Long.MAX_VALUE;
            try (QueryStream<PersistedEvent> stream = query(checkpoint + 1).open()) {
                PersistedEvent pending = null;
                while (!stopping) {
                    PersistedEvent e = pending != null ? pending : stream.poll(WAIT).orElse(null);
                    pending = null;
                    if (e == null) {
                        // the stream has no event ready, so every position read so far is complete
                        if (batch != null) commit(batch);
                        batch = null;
                        if (once && !stream.hasNext()) break;
                        continue;
                    }
                    if (batch == null) batch = begin();
                    apply(batch, e);
                    if (batch.events >= projection.batchSize()) {
                        pending = stream.poll(Duration.ZERO).orElse(null);
                        if (pending != null && pending.globalPosition() == e.globalPosition()) continue;
                        commit(batch);
                        batch = null;
                    }
                }
                if (batch != null) {
                    PersistedEvent next = pending != null ? pending : stream.poll(Duration.ZERO).orElse(null);
                    if (next == null || next.globalPosition() != batch.lastPosition) commit(batch);
                    else abandon(batch);
                    batch = null;
                }
            }
            if (once && !stopping && end > checkpoint) moveCheckpointTo(end);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            if (batch != null) abandon(batch);
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private Query<PersistedEvent> query(long from) {
        return projection.tag()
                .map(tag -> once ? queries.currentEventsByTag(tag, from) : queries.liveEventsByTag(tag, from))
                .orElseGet(() -> once ? queries.currentAllEvents(from) : queries.liveAllEvents(from));
    }

    private Batch begin() {
        Connection c = null;
        try {
            c = store.connection();
            c.setAutoCommit(false);
            return new Batch(c);
        } catch (SQLException e) {
            if (c != null) closeQuietly(c);
            throw failure("beginning a transaction", e);
        }
    }

    /** Filters and handles one event in the batch's transaction, as the failure policy says. */
    private void apply(Batch batch, PersistedEvent e) throws InterruptedException {
        batch.events++;
        batch.lastPosition = e.globalPosition();
        if (!projection.filter().test(e)) {
            batch.filteredOut++;
            return;
        }
        Connection c = batch.connection;
        boolean savepoints = policy.retries() > 0 || policy.thenSkip();
        for (int attempt = 0; ; attempt++) {
            Savepoint savepoint = savepoints ? savepoint(c) : null;
            try {
                projection.handler().handle(e, c);
                checkTransactionKept(c);
                if (savepoint != null) c.releaseSavepoint(savepoint);
                batch.handled++;
                return;
            } catch (InterruptedException interrupted) {
                throw interrupted;
            } catch (HandlerBrokeTransaction broken) {
                throw broken.failure;
            } catch (Exception ex) {
                if (savepoint == null) {
                    throw new ProjectionFailedException(projection.name(), e.persistenceId(), e.sequenceNr(),
                            e.globalPosition(), ex);
                }
                rollbackTo(c, savepoint, ex);
                if (attempt < policy.retries() && !stopping) {
                    log.warn("projection '{}' failed on {} #{} (attempt {} of {}), its writes are rolled back; retrying: {}",
                            projection.name(), e.persistenceId(), e.sequenceNr(), attempt + 1, policy.retries() + 1,
                            ex.toString());
                    Thread.sleep(policy.backoff());
                } else if (policy.thenSkip()) {
                    log.warn("projection '{}' skipped {} #{} at position {} after {} attempt(s), its writes rolled back: {}",
                            projection.name(), e.persistenceId(), e.sequenceNr(), e.globalPosition(), attempt + 1,
                            ex.toString());
                    batch.skipped++;
                    return;
                } else {
                    throw new ProjectionFailedException(projection.name(), e.persistenceId(), e.sequenceNr(),
                            e.globalPosition(), ex);
                }
            }
        }
    }

    /** Thrown past the failure policy: the handler broke the rule, which no retry mends. */
    private static final class HandlerBrokeTransaction extends Exception {
        final RuntimeException failure;

        HandlerBrokeTransaction(RuntimeException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    private void checkTransactionKept(Connection c) throws HandlerBrokeTransaction {
        boolean autoCommit;
        try {
            autoCommit = c.getAutoCommit();
        } catch (SQLException e) {
            throw new HandlerBrokeTransaction(failure("checking the transaction", e));
        }
        if (autoCommit) {
            throw new HandlerBrokeTransaction(new IllegalStateException("the handler of projection '" + projection.name()
                    + "' turned auto-commit on; a transactional handler must leave commit and rollback to the projection"));
        }
    }

    private Savepoint savepoint(Connection c) {
        try {
            return c.setSavepoint();
        } catch (SQLException e) {
            throw failure("taking a savepoint", e);
        }
    }

    private void rollbackTo(Connection c, Savepoint savepoint, Exception cause) {
        try {
            c.rollback(savepoint);
        } catch (SQLException e) {
            StoreException failure = failure("rolling back the failed handler's writes", e);
            failure.addSuppressed(cause);
            throw failure;
        }
    }

    /** Moves the checkpoint from where it was to the batch's last position and commits the batch. */
    private void commit(Batch batch) {
        Connection c = batch.connection;
        boolean committed = false;
        try {
            compareAndSetCheckpoint(c, batch.lastPosition);
            c.commit();
            committed = true;
        } catch (SQLException e) {
            throw failure("committing the handler's writes and checkpoint " + batch.lastPosition
                    + " (whether it committed is unknown; the next run continues from the checkpoint stored)", e);
        } finally {
            if (committed) release(batch);
            else abandon(batch);
        }
        synchronized (progress) {
            checkpoint = batch.lastPosition;
            handled += batch.handled;
            skipped += batch.skipped;
            filteredOut += batch.filteredOut;
            progress.notifyAll();
        }
    }

    /** After a run-once: the checkpoint covers the end even when the last events were dropped by an adapter. */
    private void moveCheckpointTo(long position) {
        try (Connection c = store.connection()) {
            compareAndSetCheckpoint(c, position);
        } catch (SQLException e) {
            throw failure("saving checkpoint " + position, e);
        }
        synchronized (progress) {
            checkpoint = position;
            progress.notifyAll();
        }
    }

    private void compareAndSetCheckpoint(Connection c, long position) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + store.t("checkpoints")
                + " SET position = ? WHERE name = ? AND position = ?")) {
            ps.setLong(1, position);
            ps.setString(2, projection.name());
            ps.setLong(3, checkpoint);
            if (ps.executeUpdate() != 1) {
                throw new StoreException("the checkpoint of projection '" + projection.name() + "' on " + store.uri()
                        + " is no longer " + checkpoint + ": another consumer moved it (was the consumer lock lost?);"
                        + " this run's transaction is rolled back");
            }
        }
    }

    private void abandon(Batch batch) {
        if (batch.released) return;
        try {
            batch.connection.rollback();
        } catch (SQLException e) {
            log.debug("projection '{}': rollback of an abandoned batch failed: {}", projection.name(), e.toString());
        } finally {
            release(batch);
        }
    }

    /** Returns the connection of a committed or rolled-back batch (turning auto-commit on commits an open one). */
    private static void release(Batch batch) {
        if (batch.released) return;
        batch.released = true;
        try {
            batch.connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the pool resets a connection it gets back; a broken one is evicted
        }
        closeQuietly(batch.connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing more to do with a connection that cannot close
        }
    }

    private StoreException failure(String what, SQLException e) {
        return new StoreException("projection '" + projection.name() + "': " + what + " failed on " + store.uri() + ": "
                + e.getMessage(), e);
    }

    private void fail(RuntimeException e) {
        synchronized (progress) {
            if (failure == null) failure = e;
            stopping = true;
            progress.notifyAll();
        }
        log.error("projection '{}' stopped: {}", projection.name(), e.getMessage());
    }

    ProjectionResult awaitResult() {
        join();
        lock.close();
        if (failure != null) throw failure;
        synchronized (progress) {
            return new ProjectionResult(handled, skipped, filteredOut, checkpoint);
        }
    }

    private void join() {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                stopping = true;
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
        return checkpoint;
    }

    @Override
    public boolean awaitCheckpoint(long position, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (checkpoint < position) {
                if (!isRunning()) return false;
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, WAIT.toNanos()));
            }
            return true;
        }
    }

    @Override
    public boolean isRunning() {
        return !stopping && thread.isAlive();
    }

    @Override
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        stopping = true;
        join();
        lock.close();
    }
}
