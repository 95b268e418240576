package io.perpetua.postgres;

import io.perpetua.Stores;
import io.perpetua.spi.Store;
import io.perpetua.testkit.JournalContract;

/**
 * The JournalContract again, on a store that writes every batch of two writes or more in two halves
 * on two connections at once ({@code splitAt=2}): splitting must not change what a journal does.
 */
class PostgresSplitJournalTest extends JournalContract {

    @Override
    protected Store openStore() {
        return Stores.open(TestDatabase.uri(TestDatabase.freshSchema()) + "&splitAt=2");
    }
}
