package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 5: subscribers see what was persisted, in order, after it is durable. */
class SubscriberTest {

    private final FaultyStore store = FaultyStore.overMemory();

    @AfterEach
    void close() {
        store.close();
    }

    private static EventListener collectingInto(List<PersistedEvent> seen) {
        return seen::add;
    }

    @Test
    void a_subscriber_sees_id_sequence_position_timestamp_tags_and_event_of_each_persisted_event() {
        String id = Ids.fresh("sub");
        var tagged = Accumulator.type().withTags(e -> "tag-" + e.value());
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(collectingInto(seen));
            ProcessRef<Accumulator.Command> ref = perpetua.start(tagged, id);
            ref.call(add("a"));
            ref.call(add("b"));

            Await.until("two events are delivered", () -> seen.size() == 2);
            List<StoredEvent> journal = store.events(id);
            for (int i = 0; i < 2; i++) {
                PersistedEvent e = seen.get(i);
                StoredEvent stored = journal.get(i);
                assertThat(e.persistenceId()).isEqualTo(id);
                assertThat(e.sequenceNr()).isEqualTo(stored.sequenceNr()).isEqualTo(i + 1);
                assertThat(e.globalPosition()).isEqualTo(stored.globalPosition());
                assertThat(e.timestamp()).isEqualTo(stored.timestamp());
            }
            assertThat(seen).extracting(PersistedEvent::tags).containsExactly(Set.of("tag-a"), Set.of("tag-b"));
            assertThat(seen).extracting(PersistedEvent::event)
                    .containsExactly(new Accumulator.Added("a"), new Accumulator.Added("b"));
            assertThat(seen.get(0).globalPosition()).isLessThan(seen.get(1).globalPosition());
        }
    }

    @Test
    void a_subscriber_sees_an_event_only_after_it_is_durable() {
        String id = Ids.fresh("durable");
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        List<Boolean> wasInJournal = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(e -> {
                wasInJournal.add(!store.delegate().journal().read(e.persistenceId(), e.sequenceNr(), e.sequenceNr(), 1)
                        .isEmpty());
                seen.add(e);
            });
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            FaultyStore.Gate gate = store.blockNextAppend();

            CompletableFuture<Object> call = Async.supply(() -> ref.call(add("x")));
            gate.awaitEntered();
            assertThat(seen).as("nothing is delivered while the append is in the store").isEmpty();
            gate.release();
            Await.result(call);

            Await.until("the event is delivered", () -> seen.size() == 1);
            assertThat(wasInJournal).containsExactly(true);
        }
    }

    @Test
    void a_rejected_persist_is_never_published() {
        String id = Ids.fresh("rejected");
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(collectingInto(seen));
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);

            ref.call(add("a"));
            store.rejectNextAppend("refused by the test");
            assertThatThrownBy(() -> ref.call(add("refused"))).isInstanceOf(PersistRejectedException.class);
            ref.call(add("c"));

            Await.until("two events are delivered", () -> seen.size() == 2);
            assertThat(seen).extracting(PersistedEvent::event)
                    .containsExactly(new Accumulator.Added("a"), new Accumulator.Added("c"));
            assertThat(seen).extracting(PersistedEvent::sequenceNr).containsExactly(1L, 2L);
        }
    }

    @Test
    void events_of_many_processes_arrive_in_global_position_order_and_each_process_in_sequence_order() {
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(collectingInto(seen));
            List<ProcessRef<Accumulator.Command>> refs = new ArrayList<>();
            for (int p = 0; p < 5; p++) refs.add(perpetua.start(Accumulator.type(), Ids.fresh("many")));
            for (int i = 0; i < 20; i++) for (var ref : refs) ref.cast(add("v" + i));
            for (var ref : refs) ref.call(Accumulator.get());

            Await.until("100 events are delivered", () -> seen.size() == 100);
            assertThat(seen).extracting(PersistedEvent::globalPosition).isSorted().doesNotHaveDuplicates();
            for (var ref : refs) {
                assertThat(seen.stream().filter(e -> e.persistenceId().equals(ref.persistenceId()))
                        .map(PersistedEvent::sequenceNr).toList())
                        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
            }
        }
    }

    @Test
    void a_slow_subscriber_does_not_delay_persists() {
        String id = Ids.fresh("slow");
        CountDownLatch release = new CountDownLatch(1);
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(e -> {
                Await.latch("the test to release the slow subscriber", release);
                seen.add(e);
            });
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);

            for (int i = 0; i < 100; i++) ref.call(add("v" + i));

            assertThat(store.events(id)).hasSize(100);
            assertThat(seen).isEmpty();
            release.countDown();
            Await.until("all events reach the slow subscriber", () -> seen.size() == 100);
            assertThat(seen).extracting(PersistedEvent::sequenceNr).isSorted();
        }
    }

    @Test
    void a_subscriber_that_overflows_its_buffer_is_closed_and_told_so() {
        String id = Ids.fresh("overflow");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch overflowed = new CountDownLatch(1);
        AtomicInteger overflows = new AtomicInteger();
        try (Perpetua perpetua = Perpetua.builder().store(store).subscriberBuffer(4).build()) {
            Subscription sub = perpetua.subscribe(new EventListener() {
                @Override
                public void onEvent(PersistedEvent event) {
                    Await.latch("the test to release the slow subscriber", release);
                }

                @Override
                public void onOverflow() {
                    overflows.incrementAndGet();
                    overflowed.countDown();
                }
            });
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);

            for (int i = 0; i < 20; i++) ref.call(add("v" + i));

            assertThat(store.events(id)).as("persists go on whatever the subscriber does").hasSize(20);
            Await.until("the subscription is closed", sub::isClosed);
            release.countDown();
            Await.latch("onOverflow", overflowed);
            assertThat(overflows.get()).isEqualTo(1);
        }
    }

    @Test
    void a_closed_subscription_receives_no_more_events() {
        String id = Ids.fresh("unsub");
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            Subscription sub = perpetua.subscribe(collectingInto(seen));
            List<PersistedEvent> witness = new CopyOnWriteArrayList<>();
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));
            Await.until("the first event is delivered", () -> seen.size() == 1);

            sub.close();
            perpetua.subscribe(collectingInto(witness));
            ref.call(add("b"));
            Await.until("the witness sees the second event", () -> witness.size() == 1);

            assertThat(sub.isClosed()).isTrue();
            assertThat(seen).hasSize(1);
        }
    }

    @Test
    void a_subscriber_that_throws_keeps_receiving_later_events() {
        String id = Ids.fresh("throwing-listener");
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(e -> {
                seen.add(e);
                throw new IllegalStateException("listener bug");
            });
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);

            ref.call(add("a"));
            ref.call(add("b"));

            Await.until("both events are delivered", () -> seen.size() == 2);
        }
    }

    @Test
    void a_subscriber_sees_only_events_persisted_through_its_own_runtime() {
        String id = Ids.fresh("own-runtime");
        List<PersistedEvent> seen = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).build();
                Perpetua otherRuntime = Perpetua.builder().store(store).build()) {
            perpetua.subscribe(collectingInto(seen));
            otherRuntime.start(Accumulator.type(), Ids.fresh("elsewhere")).call(add("elsewhere"));

            perpetua.start(Accumulator.type(), id).call(add("here"));

            Await.until("the event persisted here is delivered", () -> !seen.isEmpty());
            assertThat(seen).extracting(PersistedEvent::persistenceId).containsExactly(id);
        }
    }
}
