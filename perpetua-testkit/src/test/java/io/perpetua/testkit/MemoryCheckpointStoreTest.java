package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.Store;

/** The memory store passes the checkpoint store contract. */
class MemoryCheckpointStoreTest extends CheckpointStoreContract {

    @Override
    protected Store openStore() {
        return Stores.open("memory:");
    }
}
