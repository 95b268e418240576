package io.perpetua.rocksdb;

import io.perpetua.spi.Store;
import io.perpetua.testkit.SnapshotStoreContract;
import java.io.IOException;

/** The RocksDB store passes the SnapshotStoreContract of the conformance suite. */
class RocksDbSnapshotStoreTest extends SnapshotStoreContract {

    @Override
    protected Store openStore() throws IOException {
        return TempStores.open();
    }
}
