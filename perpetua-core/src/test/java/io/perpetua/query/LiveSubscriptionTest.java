package io.perpetua.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Perpetua;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A live subscription on a runtime with many processes persisting at once. */
@Timeout(60)
class LiveSubscriptionTest {

    private static final ProcessType<Long, Long, Long> COUNTERS =
            ProcessType.pure("counter", 0L, (Long add, Long total) -> List.of(add), (Long total, Long e) -> total + e);

    @Test
    void concurrent_writers_with_a_live_subscriber_deliver_every_event_exactly_once() throws Exception {
        int processes = 16;
        int callsEach = 150;
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            EventQueries queries = EventQueries.builder(perpetua.store()).serializer(null).pageSize(64).build();
            try (DurableSubscription s = queries.subscribe("live", SubscriptionOptions.defaults()
                    .withStartFrom(StartFrom.current()).withMaxInFlight(100))) {
                ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                List<Thread> writers = new ArrayList<>();
                for (int p = 0; p < processes; p++) {
                    String id = "counter-" + p;
                    writers.add(Thread.ofVirtual().start(() -> {
                        try {
                            ProcessRef<Long> ref = perpetua.start(COUNTERS, id);
                            for (int i = 0; i < callsEach; i++) ref.call(1L);
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }));
                }
                Map<String, List<Long>> received = new HashMap<>();
                int total = processes * callsEach;
                int count = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (count < total && System.nanoTime() < deadline) {
                    Optional<PersistedEvent> e = s.poll(Duration.ofMillis(100));
                    if (e.isEmpty()) continue;
                    received.computeIfAbsent(e.get().persistenceId(), k -> new ArrayList<>()).add(e.get().sequenceNr());
                    s.acknowledge(e.get());
                    count++;
                }
                for (Thread w : writers) w.join();

                assertThat(failures).isEmpty();
                assertThat(s.poll(Duration.ofMillis(200))).as("no event delivered twice").isEmpty();
                assertThat(received).hasSize(processes);
                List<Long> expected = new ArrayList<>();
                for (long i = 1; i <= callsEach; i++) expected.add(i);
                received.forEach((id, seqs) -> assertThat(seqs).as(id).containsExactlyElementsOf(expected));
            }
        }
    }
}
