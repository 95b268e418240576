package io.perpetua.query;

import static io.perpetua.query.ReadSideFixtures.appendEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.PersistedEvent;
import io.perpetua.Stores;
import io.perpetua.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DurableSubscriptionTest {

    private final Store store = Stores.open("memory:");
    private final EventQueries queries = EventQueries.builder(store).serializer(null).pageSize(16).build();
    private final String name = "subscription-" + UUID.randomUUID();

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void a_subscriber_closed_in_the_middle_without_acknowledging_resumes_from_its_checkpoint_and_loses_nothing()
            throws InterruptedException {
        appendEvents(store.journal(), "account-1", "e", 100);
        List<Object> processed = new ArrayList<>();
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults())) {
            for (int i = 0; i < 60; i++) {
                PersistedEvent e = s.poll(Duration.ofSeconds(5)).orElseThrow();
                if (i < 40) {
                    processed.add(e.event());
                    s.acknowledge(e);
                }
            }
        } // killed: 20 delivered, not acknowledged

        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults())) {
            for (int i = 0; i < 60; i++) {
                PersistedEvent e = s.poll(Duration.ofSeconds(5)).orElseThrow();
                processed.add(e.event());
                s.acknowledge(e);
            }
            assertThat(s.poll(Duration.ofMillis(50))).isEmpty();
        }

        assertThat(processed).containsExactlyElementsOf(expected("e", 100));
    }

    @Test
    void the_checkpoint_is_stored_in_the_stores_checkpoint_store_under_the_subscription_name()
            throws InterruptedException {
        long[] positions = appendEvents(store.journal(), "account-1", "e", 3);
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults())) {
            s.acknowledge(s.poll(Duration.ofSeconds(5)).orElseThrow());
            s.acknowledge(s.poll(Duration.ofSeconds(5)).orElseThrow());

            assertThat(store.checkpoints().load(name)).hasValue(positions[1]);
        }
    }

    @Test
    void with_checkpoint_every_n_the_checkpoint_is_saved_every_n_acknowledgements_and_on_close()
            throws InterruptedException {
        long[] positions = appendEvents(store.journal(), "account-1", "e", 5);
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults().withCheckpointEvery(3))) {
            for (int i = 0; i < 4; i++) s.acknowledge(s.poll(Duration.ofSeconds(5)).orElseThrow());

            assertThat(store.checkpoints().load(name)).hasValue(positions[2]);
        }
        assertThat(store.checkpoints().load(name)).hasValue(positions[3]);
    }

    @Test
    void a_subscription_waits_for_acknowledgements_once_max_in_flight_events_are_unacknowledged()
            throws InterruptedException {
        appendEvents(store.journal(), "account-1", "e", 10);
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults().withMaxInFlight(3))) {
            PersistedEvent first = s.poll(Duration.ofSeconds(5)).orElseThrow();
            s.poll(Duration.ofSeconds(5)).orElseThrow();
            s.poll(Duration.ofSeconds(5)).orElseThrow();

            assertThat(s.poll(Duration.ofMillis(100))).as("a fourth event while three are in flight").isEmpty();

            s.acknowledge(first);
            assertThat(s.poll(Duration.ofSeconds(5)).map(PersistedEvent::event)).hasValue("e3");
        }
    }

    @Test
    void a_subscriber_that_never_acknowledges_does_not_make_writers_wait() throws InterruptedException {
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults().withMaxInFlight(5))) {
            Thread writer = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2_000; i++) appendEvents(store.journal(), "account-" + (i % 7), "e", 1);
            });
            List<PersistedEvent> received = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (received.size() < 5 && System.nanoTime() < deadline) s.poll(Duration.ofMillis(50)).ifPresent(received::add);

            writer.join(); // the @Timeout fails the test if the writer is held back
            assertThat(store.journal().highestGlobalPosition()).isEqualTo(2_000);
            assertThat(received).hasSize(5);
            assertThat(s.poll(Duration.ofMillis(50))).as("no more than max in flight").isEmpty();
        }
    }

    @Test
    void an_acknowledgement_of_an_event_it_did_not_deliver_is_refused() throws InterruptedException {
        appendEvents(store.journal(), "account-1", "e", 2);
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults())) {
            PersistedEvent first = s.poll(Duration.ofSeconds(5)).orElseThrow();
            PersistedEvent notYetDelivered = new PersistedEvent("account-1", 2, first.globalPosition() + 1,
                    first.timestamp(), first.tags(), "e1");

            assertThatThrownBy(() -> s.acknowledge(notYetDelivered))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name).hasMessageContaining("did not deliver");
        }
    }

    @Test
    void a_second_consumer_of_a_named_memory_store_opened_twice_is_refused() {
        String storeName = "read-side-" + UUID.randomUUID();
        try (Store a = Stores.open("memory:" + storeName); Store b = Stores.open("memory:" + storeName);
                DurableSubscription first = EventQueries.of(a).subscribe(name, SubscriptionOptions.defaults())) {
            assertThatThrownBy(() -> EventQueries.of(b).subscribe(name, SubscriptionOptions.defaults()))
                    .isInstanceOf(ConsumerAlreadyActiveException.class)
                    .hasMessage("the consumer '" + name + "' is already active on store memory:" + storeName
                            + ": only one consumer per name may run at a time; close the other one first");
        }
    }

    @Test
    void closing_a_store_frees_the_names_its_consumers_held() {
        String storeName = "read-side-" + UUID.randomUUID();
        try (Store b = Stores.open("memory:" + storeName)) {
            Store a = Stores.open("memory:" + storeName);
            EventQueries.of(a).subscribe(name, SubscriptionOptions.defaults()); // never closed

            a.close();

            EventQueries.of(b).subscribe(name, SubscriptionOptions.defaults()).close();
        }
    }

    @Test
    void acknowledgements_from_several_threads_in_any_order_move_the_checkpoint_past_every_event()
            throws InterruptedException {
        long[] positions = appendEvents(store.journal(), "account-1", "e", 500);
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults().withMaxInFlight(64))) {
            List<Thread> consumers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                consumers.add(Thread.ofVirtual().start(() -> {
                    try {
                        Optional<PersistedEvent> e;
                        while ((e = s.poll(Duration.ofMillis(200))).isPresent()) s.acknowledge(e.get());
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            for (Thread t : consumers) t.join();

            assertThat(s.checkpoint()).isEqualTo(positions[499]);
        }
    }

    private static List<Object> expected(String prefix, int n) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i);
        return out;
    }
}
