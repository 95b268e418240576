package io.perpetua.postgres;

import io.perpetua.spi.Store;
import io.perpetua.testkit.QueryContract;

/** The read side's queries and durable subscriptions work on the PostgreSQL store, against a real server. */
class PostgresQueryTest extends QueryContract {

    @Override
    protected Store openStore() {
        return TestDatabase.open();
    }
}
