package io.perpetua.postgres;

import io.perpetua.spi.Store;
import io.perpetua.testkit.JournalContract;

/** The PostgreSQL store passes the JournalContract of the conformance suite, against a real server. */
class PostgresJournalTest extends JournalContract {

    @Override
    protected Store openStore() {
        return TestDatabase.open();
    }
}
