package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.Store;

/** The memory store gives the same results as the journal model. */
class MemoryJournalModelPropertiesTest extends JournalModelProperties {

    @Override
    protected Store openStore() {
        return Stores.open("memory:");
    }
}
