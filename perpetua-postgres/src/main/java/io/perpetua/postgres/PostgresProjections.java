package io.perpetua.postgres;

import io.perpetua.query.ConsumerAlreadyActiveException;
import io.perpetua.query.EventQueries;
import io.perpetua.query.ProjectionFailedException;
import io.perpetua.query.ProjectionResult;
import io.perpetua.query.RunningProjection;
import java.util.Objects;

/**
 * Runs {@link TransactionalProjection}s: exactly-once projections whose handler writes to the
 * store's PostgreSQL database in the transaction that moves the checkpoint. Events are read through
 * the given {@link EventQueries}, so they are decoded as its queries decode them (with the event
 * adapters of {@link EventQueries#forType}). Thread-safe; it holds no resources of its own.
 *
 * <pre>{@code
 * PostgresProjections projections = PostgresProjections.of(EventQueries.of(perpetua).forType(ACCOUNTS));
 * projections.runOnce(TransactionalProjection.of("balances", (event, connection) -> {
 *     try (var ps = connection.prepareStatement("UPDATE balances SET amount = amount + ? WHERE id = ?")) { ... }
 * }).checkpointAfterEachBatch(100));
 * }</pre>
 */
public final class PostgresProjections {

    private final EventQueries queries;
    private final PostgresStore store;

    private PostgresProjections(EventQueries queries, PostgresStore store) {
        this.queries = queries;
        this.store = store;
    }

    /**
     * Exactly-once projections over {@code queries}' store.
     *
     * @throws IllegalArgumentException if the store is not a {@link PostgresStore}: only a handler
     *     writing to the store's own database can share the checkpoint's transaction
     */
    public static PostgresProjections of(EventQueries queries) {
        Objects.requireNonNull(queries, "queries");
        if (!(queries.store() instanceof PostgresStore pg)) {
            throw new IllegalArgumentException("exactly-once projections need the PostgreSQL store, whose database holds"
                    + " the checkpoint; " + queries.store().uri() + " is not one");
        }
        return new PostgresProjections(queries, pg);
    }

    /**
     * Runs {@code projection} from its checkpoint up to the highest position visible now and returns
     * when it is done; the last transaction is committed.
     *
     * @throws ProjectionFailedException if the handler failed and the policy said to stop; the batch
     *     with the failed event is rolled back and the checkpoint stays before it
     * @throws ConsumerAlreadyActiveException if a consumer of the projection's name runs, on any node
     * @throws io.perpetua.spi.StoreException if the database failed; what was not committed is
     *     handled by the next run
     */
    public ProjectionResult runOnce(TransactionalProjection projection) {
        return new TransactionalRun(store, queries, Objects.requireNonNull(projection, "projection"), true)
                .awaitResult();
    }

    /**
     * Starts {@code projection} continuously on a virtual thread: it catches up from its checkpoint
     * and follows new events until closed or failed. {@link RunningProjection#close()} stops after
     * the event being handled and commits the open transaction, unless it ended in the middle of a
     * split stored event (then it is rolled back and handled again by the next run).
     *
     * @throws ConsumerAlreadyActiveException if a consumer of the projection's name runs, on any node
     */
    public RunningProjection start(TransactionalProjection projection) {
        return new TransactionalRun(store, queries, Objects.requireNonNull(projection, "projection"), false);
    }
}
