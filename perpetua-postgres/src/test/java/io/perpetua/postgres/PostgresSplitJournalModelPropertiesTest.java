package io.perpetua.postgres;

import io.perpetua.Stores;
import io.perpetua.spi.Store;
import io.perpetua.testkit.JournalModelProperties;

/**
 * The JournalModelProperties again, on a store that writes every batch of two writes or more in two
 * halves at once ({@code splitAt=2}): random batches, with conflicts, give the model's results.
 */
class PostgresSplitJournalModelPropertiesTest extends JournalModelProperties {

    @Override
    protected Store openStore() {
        return Stores.open(TestDatabase.uri(TestDatabase.freshSchema()) + "&splitAt=2");
    }
}
