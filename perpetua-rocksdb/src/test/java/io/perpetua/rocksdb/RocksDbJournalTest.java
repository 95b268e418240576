package io.perpetua.rocksdb;

import io.perpetua.spi.Store;
import io.perpetua.testkit.JournalContract;
import java.io.IOException;

/** The RocksDB store passes the JournalContract of the conformance suite. */
class RocksDbJournalTest extends JournalContract {

    @Override
    protected Store openStore() throws IOException {
        return TempStores.open();
    }
}
