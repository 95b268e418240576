package io.perpetua.postgres;

import io.perpetua.spi.Store;
import io.perpetua.testkit.CheckpointStoreContract;

/** The PostgreSQL store passes the CheckpointStoreContract of the conformance suite, against a real server. */
class PostgresCheckpointStoreTest extends CheckpointStoreContract {

    @Override
    protected Store openStore() {
        return TestDatabase.open();
    }
}
