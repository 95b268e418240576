package io.perpetua.postgres;

import io.perpetua.PersistedEvent;
import java.sql.Connection;

/**
 * Applies one event to a read model in the same PostgreSQL database as the store, inside the
 * projection's transaction: what it writes through {@code connection} commits together with the
 * projection's checkpoint, or not at all. That is what makes an {@link TransactionalProjection}
 * exactly once.
 *
 * <p>The handler must leave the transaction to the projection: it must not commit, roll back, close
 * the connection or change its auto-commit mode (a changed auto-commit mode fails the projection).
 * A throw is a failure of this event: its writes are rolled back (to a savepoint taken before the
 * call when the failure policy retries or skips) and the projection's
 * {@link io.perpetua.query.FailurePolicy} decides what follows. Called from one thread at a time.
 */
@FunctionalInterface
public interface TransactionalHandler {

    void handle(PersistedEvent event, Connection connection) throws Exception;
}
