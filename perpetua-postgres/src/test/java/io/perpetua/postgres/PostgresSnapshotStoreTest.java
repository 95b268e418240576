package io.perpetua.postgres;

import io.perpetua.spi.Store;
import io.perpetua.testkit.SnapshotStoreContract;

/** The PostgreSQL store passes the SnapshotStoreContract of the conformance suite, against a real server. */
class PostgresSnapshotStoreTest extends SnapshotStoreContract {

    @Override
    protected Store openStore() {
        return TestDatabase.open();
    }
}
