package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.EventData;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import java.time.Instant;
import java.util.Set;

/** The memory store passes the journal contract. */
class MemoryJournalTest extends JournalContract {

    @Override
    protected Store openStore() {
        return Stores.open("memory:");
    }

    /** The memory store accepts references, so it is shown an event above its 16 MiB payload limit. */
    @Override
    protected EventData eventTheStoreRejects() {
        return new EventData(new Payload.Serialized("too.Large", 1, new byte[(16 << 20) + 1]), Set.of(), Instant.now());
    }
}
