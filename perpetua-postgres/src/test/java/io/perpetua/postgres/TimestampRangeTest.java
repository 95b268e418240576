package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's timestamptz spans 4713 BC to 294276 AD; an event's timestamp outside it (an
 * {@link Instant} can be far beyond) rejects that event's write with a reason, and only that write:
 * the rest of the batch is written, whichever way the batch goes to the server.
 */
class TimestampRangeTest {

    @Test
    void a_timestamp_outside_timestamptz_rejects_only_its_own_write() {
        try (Store store = Stores.open(TestDatabase.uri(TestDatabase.freshSchema()))) {
            EventJournal journal = store.journal();
            // the first append goes under the lock; the batches after it are planned (see PostgresStore)
            for (int round = 0; round < 2; round++) {
                List<AtomicWrite> batch = new ArrayList<>();
                for (int i = 0; i < 300; i++) batch.add(write("ok-" + round + "-" + i, Instant.now()));
                batch.add(150, write("far-" + round, Instant.MAX));
                batch.add(write("early-" + round, Instant.parse("-300000-01-01T00:00:00Z")));
                List<WriteResult> results = journal.append(batch);
                String far = "'far-" + round + "'";
                assertThat(results.get(150)).isInstanceOfSatisfying(WriteResult.Rejected.class,
                        r -> assertThat(r.reason()).contains(far).contains("timestamptz"));
                assertThat(results.getLast()).isInstanceOf(WriteResult.Rejected.class);
                assertThat(results).filteredOn(r -> r instanceof WriteResult.Written).hasSize(300);
                assertThat(journal.highestSequenceNr("far-" + round)).isZero();
            }
            // the edges of the range are written, and read back to the nanosecond
            Instant first = Instant.parse("-4713-11-24T00:00:00Z");
            Instant last = Instant.parse("+294276-12-31T23:59:59.999999999Z");
            assertThat(journal.append(List.of(write("first", first), write("last", last))))
                    .allMatch(r -> r instanceof WriteResult.Written);
            assertThat(journal.read("first", 1, 1, 1)).extracting(StoredEvent::timestamp).containsExactly(first);
            assertThat(journal.read("last", 1, 1, 1)).extracting(StoredEvent::timestamp).containsExactly(last);
        }
    }

    private static AtomicWrite write(String id, Instant time) {
        return new AtomicWrite(id, ExpectedSequence.none(),
                List.of(new EventData(new Payload.Serialized("m", 1, new byte[] {1, 2, 3}), Set.of(), time)));
    }
}
