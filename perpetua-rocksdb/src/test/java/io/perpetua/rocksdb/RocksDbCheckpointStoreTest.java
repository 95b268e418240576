package io.perpetua.rocksdb;

import io.perpetua.spi.Store;
import io.perpetua.testkit.CheckpointStoreContract;
import java.io.IOException;

/** The RocksDB store passes the CheckpointStoreContract of the conformance suite. */
class RocksDbCheckpointStoreTest extends CheckpointStoreContract {

    @Override
    protected Store openStore() throws IOException {
        return TempStores.open();
    }
}
