package io.perpetua.rocksdb;

import io.perpetua.spi.Store;
import io.perpetua.testkit.JournalModelProperties;
import java.io.IOException;

/** The RocksDB store passes the JournalModelProperties of the conformance suite. */
class RocksDbJournalModelPropertiesTest extends JournalModelProperties {

    @Override
    protected Store openStore() throws IOException {
        return TempStores.open();
    }
}
