package io.perpetua.testkit;

import static io.perpetua.spi.ExpectedSequence.any;
import static io.perpetua.testkit.Samples.event;
import static io.perpetua.testkit.Samples.freshId;
import static io.perpetua.testkit.Samples.freshTag;
import static io.perpetua.testkit.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.EventAdapter;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessType;
import io.perpetua.RawEvent;
import io.perpetua.query.ConsumerAlreadyActiveException;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.EventQueries;
import io.perpetua.query.QueryStream;
import io.perpetua.query.StartFrom;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance suite for the read side ({@link EventQueries}) on a store: current and live
 * queries by persistence id, by tag, over all events and over persistence ids; paging; the
 * publisher's demand; event adapters applied by queries and subscriptions; and durable subscriptions (resume after the last acknowledgement, redelivery
 * of unacknowledged events, start positions, one consumer per name, and a gap-free, duplicate-free
 * switch from catch-up to live under concurrent appends). The read side is built on the journal's
 * reads and its {@link EventJournal#awaitGlobalPosition} signal, so this suite proves that a store's
 * journal and checkpoint store support it. A store is conformant when a subclass that opens it
 * passes every test:
 *
 * <pre>{@code
 * class MyQueryTest extends QueryContract {
 *     @Override protected Store openStore() throws IOException {
 *         return Stores.open("mystore:" + Files.createTempDirectory("perpetua"));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #openStore()} is called once before the tests of the class; the store is closed after
 * them. Tests isolate themselves by fresh persistence ids, tags and subscription names, so the store
 * may hold data already. Events are written through the journal SPI with text payloads and read back
 * with a serializer that turns them into strings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
public abstract class QueryContract {

    private Store store;
    private EventJournal journal;
    private EventQueries queries;

    /** For subclasses, one per store. */
    protected QueryContract() {}

    /**
     * Opens the store under test.
     *
     * @return a newly opened store
     * @throws Exception if the store cannot be opened, which fails the suite
     */
    protected abstract Store openStore() throws Exception;

    /** How long a test waits for an event it expects (default 5 s). */
    protected Duration patience() {
        return Duration.ofSeconds(5);
    }

    /** Reads the sample events' text payloads back as strings. */
    private static final Serializer TEXT = new Serializer() {
        @Override
        public Payload.Serialized serialize(Object value) {
            throw new UnsupportedOperationException("the query contract only reads");
        }

        @Override
        public Object deserialize(Payload.Serialized payload) {
            return new String(payload.bytes(), StandardCharsets.UTF_8);
        }
    };

    @BeforeAll
    final void openTheStore() throws Exception {
        store = openStore();
        journal = store.journal();
        queries = EventQueries.builder(store).serializer(TEXT).pageSize(3).build();
    }

    @AfterAll
    final void closeTheStore() {
        if (store != null) store.close();
    }

    // ------------------------------------------------------------------------------------ by persistence id

    @Test
    void current_events_by_persistence_id_deliver_the_range_in_sequence_order_and_end() {
        String id = freshId("query-by-id");
        append(write(id, any(), "a", "b", "c", "d", "e", "f", "g"));

        List<PersistedEvent> events = drain(queries.currentEventsByPersistenceId(id, 2, 6).open());

        assertThat(events).extracting(PersistedEvent::event).containsExactly("b", "c", "d", "e", "f");
        assertThat(events).extracting(PersistedEvent::sequenceNr).containsExactly(2L, 3L, 4L, 5L, 6L);
        assertThat(events).allSatisfy(e -> assertThat(e.persistenceId()).isEqualTo(id));
    }

    @Test
    void current_events_by_persistence_id_end_at_what_existed_when_opened() {
        String id = freshId("query-by-id-end");
        append(write(id, any(), "a", "b"));
        QueryStream<PersistedEvent> stream = queries.currentEventsByPersistenceId(id, 1, Long.MAX_VALUE).open();

        append(write(id, any(), "later"));

        assertThat(drain(stream)).extracting(PersistedEvent::event).containsExactly("a", "b");
    }

    @Test
    void live_events_by_persistence_id_continue_with_events_persisted_later() {
        String id = freshId("query-by-id-live");
        append(write(id, any(), "a"));
        try (QueryStream<PersistedEvent> stream = queries.liveEventsByPersistenceId(id, 1, Long.MAX_VALUE).open()) {
            assertThat(take(stream, 1)).extracting(PersistedEvent::event).containsExactly("a");

            append(write(id, any(), "b", "c"), write(freshId("other"), any(), "not mine"), write(id, any(), "d"));

            assertThat(take(stream, 3)).extracting(PersistedEvent::event).containsExactly("b", "c", "d");
        }
    }

    @Test
    void a_live_query_by_persistence_id_ends_after_its_last_sequence_number() {
        String id = freshId("query-by-id-live-end");
        try (QueryStream<PersistedEvent> stream = queries.liveEventsByPersistenceId(id, 1, 2).open()) {
            append(write(id, any(), "a", "b", "c"));

            assertThat(take(stream, 2)).extracting(PersistedEvent::event).containsExactly("a", "b");
            assertThat(stream.hasNext()).as("ended after sequence number 2").isFalse();
        }
    }

    // ------------------------------------------------------------------------------------ by tag, all

    @Test
    void current_events_by_tag_deliver_only_tagged_events_in_global_order_with_their_envelope() {
        String tag = freshTag();
        String a = freshId("query-tag-a");
        String b = freshId("query-tag-b");
        List<WriteResult> written = append(
                new AtomicWrite(a, any(), List.of(event("a1", tag), event("a2"))),
                new AtomicWrite(b, any(), List.of(event("b1", tag, "extra"))),
                new AtomicWrite(a, any(), List.of(event("a3", tag))));

        List<PersistedEvent> events = drain(queries.currentEventsByTag(tag, 0).open());

        assertThat(events).extracting(PersistedEvent::event).containsExactly("a1", "b1", "a3");
        PersistedEvent b1 = events.get(1);
        assertThat(b1.persistenceId()).isEqualTo(b);
        assertThat(b1.sequenceNr()).isEqualTo(1);
        assertThat(b1.globalPosition()).isEqualTo(((WriteResult.Written) written.get(1)).globalPositions()[0]);
        assertThat(b1.tags()).containsExactlyInAnyOrder(tag, "extra");
        assertThat(b1.timestamp()).isNotNull();
    }

    @Test
    void current_events_by_tag_start_at_the_given_position() {
        String tag = freshTag();
        String id = freshId("query-tag-from");
        List<WriteResult> written = append(new AtomicWrite(id, any(),
                IntStream.range(0, 8).mapToObj(i -> event("e" + i, tag)).toList()));
        long fifth = ((WriteResult.Written) written.get(0)).globalPositions()[4];

        List<PersistedEvent> events = drain(queries.currentEventsByTag(tag, fifth).open());

        assertThat(events).extracting(PersistedEvent::event).containsExactly("e4", "e5", "e6", "e7");
    }

    @Test
    void live_events_by_tag_continue_with_tagged_events_persisted_later() {
        String tag = freshTag();
        String id = freshId("query-tag-live");
        append(new AtomicWrite(id, any(), List.of(event("before", tag))));
        try (QueryStream<PersistedEvent> stream = queries.liveEventsByTag(tag, 0).open()) {
            assertThat(take(stream, 1)).extracting(PersistedEvent::event).containsExactly("before");

            append(new AtomicWrite(id, any(), List.of(event("untagged"), event("after", tag))));

            assertThat(take(stream, 1)).extracting(PersistedEvent::event).containsExactly("after");
        }
    }

    @Test
    void current_all_events_from_a_position_deliver_every_stream_in_global_order() {
        String a = freshId("query-all-a");
        String b = freshId("query-all-b");
        List<WriteResult> written = append(write(a, any(), "a1"), write(b, any(), "b1", "b2"), write(a, any(), "a2"));
        long first = ((WriteResult.Written) written.get(0)).globalPositions()[0];

        List<PersistedEvent> events = drain(queries.currentAllEvents(first).open()).stream()
                .filter(e -> e.persistenceId().equals(a) || e.persistenceId().equals(b)).toList();

        assertThat(events).extracting(PersistedEvent::event).containsExactly("a1", "b1", "b2", "a2");
        assertThat(events).extracting(PersistedEvent::globalPosition).isSorted();
    }

    @Test
    void live_all_events_deliver_events_appended_after_opening() {
        String id = freshId("query-all-live");
        try (QueryStream<PersistedEvent> stream = queries.liveAllEvents(journal.highestGlobalPosition() + 1).open()) {
            append(write(id, any(), "x", "y"));

            List<PersistedEvent> mine = new ArrayList<>();
            long deadline = System.nanoTime() + patience().toNanos();
            while (mine.size() < 2 && System.nanoTime() < deadline) {
                poll(stream).filter(e -> e.persistenceId().equals(id)).ifPresent(mine::add);
            }
            assertThat(mine).extracting(PersistedEvent::event).containsExactly("x", "y");
        }
    }

    @Test
    void a_query_longer_than_a_page_is_delivered_whole_and_in_order() {
        String id = freshId("query-pages");
        List<String> texts = IntStream.range(0, 20).mapToObj(i -> "e" + i).toList();
        append(write(id, any(), texts.toArray(String[]::new)));

        assertThat(drain(queries.currentEventsByPersistenceId(id, 1, Long.MAX_VALUE).open()))
                .extracting(PersistedEvent::event).containsExactlyElementsOf(texts);
    }

    // ------------------------------------------------------------------------------------ persistence ids

    @Test
    void current_persistence_ids_include_every_id_written() {
        String a = freshId("query-ids");
        String b = freshId("query-ids");
        append(write(a, any(), "x"), write(b, any(), "y"));

        List<String> ids = drainIds(queries.currentPersistenceIds().open());

        assertThat(ids).contains(a, b).doesNotHaveDuplicates();
    }

    @Test
    void live_persistence_ids_deliver_an_id_when_its_first_event_is_persisted() {
        String id = freshId("query-ids-live");
        try (QueryStream<String> stream = queries.livePersistenceIds().open()) {
            append(write(id, any(), "first"));

            boolean seen = false;
            long deadline = System.nanoTime() + patience().toNanos();
            while (!seen && System.nanoTime() < deadline) seen = poll(stream).filter(id::equals).isPresent();
            assertThat(seen).as("the new id was delivered").isTrue();
        }
    }

    // ------------------------------------------------------------------------------------ publisher

    @Test
    void a_publisher_delivers_no_more_than_requested_and_completes_a_current_query() throws InterruptedException {
        String id = freshId("query-publisher");
        append(write(id, any(), "a", "b", "c", "d", "e"));
        ConcurrentLinkedQueue<Object> received = new ConcurrentLinkedQueue<>();
        AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        CountDownLatch completed = new CountDownLatch(1);
        queries.currentEventsByPersistenceId(id, 1, Long.MAX_VALUE).publisher().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription.set(s);
                s.request(2);
            }

            @Override
            public void onNext(PersistedEvent item) {
                received.add(item.event());
            }

            @Override
            public void onError(Throwable throwable) {
                received.add(throwable);
            }

            @Override
            public void onComplete() {
                completed.countDown();
            }
        });
        long deadline = System.nanoTime() + patience().toNanos();
        while (received.size() < 2 && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(100); // give it the chance to deliver more than was requested

        assertThat(received).containsExactly("a", "b");
        subscription.get().request(10);
        assertThat(completed.await(patience().toMillis(), TimeUnit.MILLISECONDS)).as("completed").isTrue();
        assertThat(received).containsExactly("a", "b", "c", "d", "e");
    }

    // ------------------------------------------------------------------------------------ durable subscriptions

    @Test
    void a_subscription_reopened_under_its_name_resumes_after_the_last_acknowledged_event() throws Exception {
        String tag = freshTag();
        String id = freshId("subscription-resume");
        append(new AtomicWrite(id, any(), List.of(event("a", tag), event("b", tag), event("c", tag), event("d", tag))));
        String name = freshName();
        SubscriptionOptions options = SubscriptionOptions.defaults().withTag(tag);
        try (DurableSubscription s = queries.subscribe(name, options)) {
            List<PersistedEvent> got = take(s, 3);
            s.acknowledge(got.get(0));
            s.acknowledge(got.get(1));
        }

        try (DurableSubscription s = queries.subscribe(name, options)) {
            assertThat(take(s, 2)).extracting(PersistedEvent::event).containsExactly("c", "d");
        }
    }

    @Test
    void the_checkpoint_covers_only_events_acknowledged_without_a_gap() throws Exception {
        String tag = freshTag();
        String id = freshId("subscription-gap");
        append(new AtomicWrite(id, any(), List.of(event("a", tag), event("b", tag), event("c", tag))));
        String name = freshName();
        SubscriptionOptions options = SubscriptionOptions.defaults().withTag(tag);
        try (DurableSubscription s = queries.subscribe(name, options)) {
            List<PersistedEvent> got = take(s, 3);
            s.acknowledge(got.get(0));
            s.acknowledge(got.get(2));

            assertThat(s.checkpoint()).isEqualTo(got.get(0).globalPosition());
        }

        try (DurableSubscription s = queries.subscribe(name, options)) {
            assertThat(take(s, 2)).extracting(PersistedEvent::event).containsExactly("b", "c");
        }
    }

    @Test
    void a_subscription_started_from_current_sees_only_events_persisted_after_it_first_opened() throws Exception {
        String tag = freshTag();
        String id = freshId("subscription-current");
        append(new AtomicWrite(id, any(), List.of(event("old", tag))));
        String name = freshName();
        SubscriptionOptions options = SubscriptionOptions.defaults().withTag(tag).withStartFrom(StartFrom.current());
        queries.subscribe(name, options).close();

        append(new AtomicWrite(id, any(), List.of(event("new", tag))));

        try (DurableSubscription s = queries.subscribe(name, options)) {
            assertThat(take(s, 1)).extracting(PersistedEvent::event).containsExactly("new");
        }
    }

    @Test
    void a_subscription_started_from_a_position_starts_with_the_event_there() throws Exception {
        String tag = freshTag();
        String id = freshId("subscription-position");
        List<WriteResult> written = append(new AtomicWrite(id, any(),
                List.of(event("a", tag), event("b", tag), event("c", tag))));
        long second = ((WriteResult.Written) written.get(0)).globalPositions()[1];

        try (DurableSubscription s = queries.subscribe(freshName(),
                SubscriptionOptions.defaults().withTag(tag).withStartFrom(StartFrom.position(second)))) {
            assertThat(take(s, 2)).extracting(PersistedEvent::event).containsExactly("b", "c");
        }
    }

    @Test
    void a_second_consumer_under_the_same_name_is_refused_while_the_first_is_open() {
        String name = freshName();
        try (DurableSubscription first = queries.subscribe(name, SubscriptionOptions.defaults())) {
            assertThatThrownBy(() -> queries.subscribe(name, SubscriptionOptions.defaults()))
                    .isInstanceOf(ConsumerAlreadyActiveException.class)
                    .hasMessageContaining(name);
        }
        queries.subscribe(name, SubscriptionOptions.defaults()).close();
    }

    @Test
    void a_subscription_switches_from_catch_up_to_live_without_gap_or_duplicate_under_concurrent_appends()
            throws Exception {
        String tag = freshTag();
        int writers = 4;
        int perWriter = 150;
        for (int w = 0; w < writers; w++) {
            String id = freshId("subscription-switch-" + w);
            append(new AtomicWrite(id, any(), IntStream.range(0, 50).mapToObj(i -> event(id + "/" + i, tag)).toList()));
        }
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String id = freshId("subscription-switch-live-" + w);
            ids.add(id);
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perWriter; i++) {
                    try {
                        append(new AtomicWrite(id, any(), List.of(event(id + "/" + i, tag))));
                    } catch (RuntimeException | AssertionError e) {
                        failed.set(true);
                    }
                }
            }));
        }
        int expected = writers * 50 + writers * perWriter;
        List<PersistedEvent> got = new ArrayList<>();
        try (DurableSubscription s = queries.subscribe(freshName(), SubscriptionOptions.defaults().withTag(tag))) {
            long deadline = System.nanoTime() + patience().toNanos() * 4;
            while (got.size() < expected && System.nanoTime() < deadline) {
                Optional<PersistedEvent> e = s.poll(Duration.ofMillis(50));
                e.ifPresent(ev -> {
                    got.add(ev);
                    s.acknowledge(ev);
                });
            }
            for (Thread t : threads) t.join();
            assertThat(s.poll(Duration.ofMillis(200))).as("nothing after the last event").isEmpty();
        }

        assertThat(failed).isFalse();
        assertThat(got).hasSize(expected);
        assertThat(got).extracting(PersistedEvent::globalPosition).isSorted().doesNotHaveDuplicates();
        for (String id : ids) {
            assertThat(got.stream().filter(e -> e.persistenceId().equals(id)).map(PersistedEvent::sequenceNr))
                    .as("events of " + id)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, perWriter).mapToObj(i -> (long) i).toList());
        }
    }

    // ------------------------------------------------------------------------------------ event adapters

    /** Reads "old:x" (an earlier shape) as x, "a+b" as a and b, and drops "-". */
    private static final EventAdapter<String> ADAPTER = new EventAdapter<>() {
        @Override
        public List<String> fromJournal(RawEvent stored) {
            String text = (String) stored.decode();
            if (text.equals("-")) return List.of();
            if (text.startsWith("old:")) return List.of(text.substring(4));
            return List.of(text.split("\\+"));
        }
    };

    private static final ProcessType<String, String, String> ADAPTED = ProcessType.<String, String, String>pure(
            "contract-text", "", (command, state) -> List.of(command), (state, event) -> event)
            .withEventAdapter(ADAPTER);

    @Test
    void a_current_query_applies_the_process_types_adapter_upcasting_splitting_and_dropping() {
        String id = freshId("adapted-current");
        append(write(id, any(), "old:a", "b+c", "-", "d"));

        List<PersistedEvent> events = drain(queries.forType(ADAPTED).currentEventsByPersistenceId(id, 1, 4).open());

        assertThat(events).extracting(PersistedEvent::event).containsExactly("a", "b", "c", "d");
        assertThat(events).extracting(PersistedEvent::sequenceNr).containsExactly(1L, 2L, 2L, 4L);
        assertThat(drain(queries.currentEventsByPersistenceId(id, 1, 4).open())).extracting(PersistedEvent::event)
                .as("without a type, the serializer alone").containsExactly("old:a", "b+c", "-", "d");
    }

    @Test
    void a_live_query_applies_the_process_types_adapter_to_events_persisted_later() {
        String tag = freshTag();
        String id = freshId("adapted-live");
        try (QueryStream<PersistedEvent> stream = queries.forType(ADAPTED).liveEventsByTag(tag, 0).open()) {
            append(new AtomicWrite(id, any(), List.of(event("-", tag), event("old:a", tag), event("b+c", tag))));

            assertThat(take(stream, 3)).extracting(PersistedEvent::event).containsExactly("a", "b", "c");
            assertThat(poll(stream)).isEmpty();
        }
    }

    @Test
    void a_durable_subscription_applies_the_adapter_and_checkpoints_past_a_dropped_event() throws Exception {
        String tag = freshTag();
        String id = freshId("adapted-subscription");
        List<WriteResult> written = append(new AtomicWrite(id, any(),
                List.of(event("old:a", tag), event("b+c", tag), event("-", tag))));
        long[] positions = ((WriteResult.Written) written.get(0)).globalPositions();
        try (DurableSubscription s = queries.forType(ADAPTED).subscribe(freshName(),
                SubscriptionOptions.defaults().withTag(tag))) {
            List<PersistedEvent> got = take(s, 3);
            got.forEach(s::acknowledge);

            assertThat(got).extracting(PersistedEvent::event).containsExactly("a", "b", "c");
            assertThat(s.poll(Duration.ofMillis(100))).isEmpty();
            assertThat(s.checkpoint()).isEqualTo(positions[2]);
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    private List<WriteResult> append(AtomicWrite... writes) {
        List<WriteResult> results = journal.append(List.of(writes));
        assertThat(results).as("append results").allMatch(r -> r instanceof WriteResult.Written);
        return results;
    }

    private static String freshName() {
        return "contract-subscription-" + UUID.randomUUID();
    }

    private <T> Optional<T> poll(QueryStream<T> stream) {
        try {
            return stream.poll(Duration.ofMillis(50));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Everything a current query delivers, failing if it does not end in time. */
    private List<PersistedEvent> drain(QueryStream<PersistedEvent> stream) {
        try (stream) {
            List<PersistedEvent> out = new ArrayList<>();
            long deadline = System.nanoTime() + patience().toNanos();
            while (System.nanoTime() < deadline) {
                if (!stream.hasNext()) return out;
                out.add(stream.next());
            }
            throw new AssertionError("the query did not end within " + patience() + "; got " + out.size() + " events");
        }
    }

    private List<String> drainIds(QueryStream<String> stream) {
        try (stream) {
            List<String> out = new ArrayList<>();
            stream.forEachRemaining(out::add);
            return out;
        }
    }

    private <T> List<T> take(QueryStream<T> stream, int n) {
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + patience().toNanos();
        while (out.size() < n && System.nanoTime() < deadline) poll(stream).ifPresent(out::add);
        assertThat(out).as("events received within " + patience()).hasSize(n);
        return out;
    }

    private List<PersistedEvent> take(DurableSubscription s, int n) throws InterruptedException {
        List<PersistedEvent> out = new ArrayList<>();
        long deadline = System.nanoTime() + patience().toNanos();
        while (out.size() < n && System.nanoTime() < deadline) s.poll(Duration.ofMillis(50)).ifPresent(out::add);
        assertThat(out).as("events received within " + patience()).hasSize(n);
        return out;
    }
}
