package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.Store;

/** The memory store passes the durable-state store contract. */
class MemoryDurableStateStoreTest extends DurableStateStoreContract {

    @Override
    protected Store openStore() {
        return Stores.open("memory:");
    }
}
