package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.Store;

/** The read side works on the memory store. */
class MemoryQueryTest extends QueryContract {

    @Override
    protected Store openStore() {
        return Stores.open("memory:");
    }
}
