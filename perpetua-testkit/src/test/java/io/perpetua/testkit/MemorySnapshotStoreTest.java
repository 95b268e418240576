package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.Store;

/** The memory store passes the snapshot store contract. */
class MemorySnapshotStoreTest extends SnapshotStoreContract {

    @Override
    protected Store openStore() {
        return Stores.open("memory:");
    }
}
