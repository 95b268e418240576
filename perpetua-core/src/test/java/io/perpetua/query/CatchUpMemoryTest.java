package io.perpetua.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.PersistedEvent;
import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Catching up over a long journal holds a bounded number of events: the subscription never reads
 * more than a page at a time and never has more than its in-flight limit unacknowledged, whatever
 * the length of the journal, and the heap in use does not grow with the events read.
 */
class CatchUpMemoryTest {

    private static final int EVENTS = 1_000_000;
    private static final int PAGE = 512;
    private static final int IN_FLIGHT = 1_000;

    @Test
    @Timeout(60)
    void catching_up_over_a_million_events_keeps_memory_bounded() throws InterruptedException {
        try (CountingStore store = new CountingStore(Stores.open("memory:"))) {
            writeEvents(store);
            EventQueries queries = EventQueries.builder(store).serializer(null).pageSize(PAGE).build();
            long delivered = 0;
            long lastSeq = 0;
            long heapAtTenPercent = 0;
            List<PersistedEvent> unacknowledged = new ArrayList<>();
            try (DurableSubscription s = queries.subscribe("catch-up", SubscriptionOptions.defaults()
                    .withMaxInFlight(IN_FLIGHT).withCheckpointEvery(10_000))) {
                Optional<PersistedEvent> next;
                while ((next = s.poll(Duration.ofMillis(200))).isPresent()) {
                    PersistedEvent e = next.get();
                    delivered++;
                    unacknowledged.add(e);
                    if (unacknowledged.size() == IN_FLIGHT) { // acknowledge in batches, as a batching consumer does
                        unacknowledged.forEach(s::acknowledge);
                        unacknowledged.clear();
                    }
                    if (e.persistenceId().equals("stream-0")) {
                        assertThat(e.sequenceNr()).isEqualTo(lastSeq + 1);
                        lastSeq = e.sequenceNr();
                    }
                    if (delivered == EVENTS / 10) heapAtTenPercent = usedHeapAfterGc();
                }
                unacknowledged.forEach(s::acknowledge);
                long heapAtEnd = usedHeapAfterGc();

                assertThat(delivered).isEqualTo(EVENTS);
                assertThat(s.checkpoint()).isEqualTo(EVENTS);
                assertThat(store.largestRead.get()).as("largest page read").isLessThanOrEqualTo(PAGE);
                assertThat(store.eventsRead.get()).as("each event read once").isEqualTo(EVENTS);
                assertThat(heapAtEnd - heapAtTenPercent).as("heap growth while reading 900,000 more events")
                        .isLessThan(32L << 20);
            }
        }
    }

    private static void writeEvents(CountingStore store) {
        Instant now = Instant.now();
        Payload payload = new Payload.Reference("e");
        List<EventData> batch = Collections.nCopies(1_000, new EventData(payload, Set.of(), now));
        for (int round = 0; round < EVENTS / 10_000; round++) {
            List<AtomicWrite> writes = new ArrayList<>();
            for (int stream = 0; stream < 10; stream++) {
                writes.add(new AtomicWrite("stream-" + stream, ExpectedSequence.any(), batch));
            }
            store.append(writes);
        }
        assertThat(store.highestGlobalPosition()).isEqualTo(EVENTS);
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
