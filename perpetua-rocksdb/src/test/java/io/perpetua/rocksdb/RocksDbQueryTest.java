package io.perpetua.rocksdb;

import io.perpetua.spi.Store;
import io.perpetua.testkit.QueryContract;
import java.io.IOException;

/** The read side's queries and durable subscriptions work on the RocksDB store. */
class RocksDbQueryTest extends QueryContract {

    @Override
    protected Store openStore() throws IOException {
        return TempStores.open();
    }
}
