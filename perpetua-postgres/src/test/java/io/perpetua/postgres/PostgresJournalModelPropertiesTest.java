package io.perpetua.postgres;

import io.perpetua.spi.Store;
import io.perpetua.testkit.JournalModelProperties;

/** The PostgreSQL store passes the JournalModelProperties of the conformance suite, against a real server. */
class PostgresJournalModelPropertiesTest extends JournalModelProperties {

    @Override
    protected Store openStore() {
        return TestDatabase.open();
    }
}
