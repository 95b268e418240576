package io.perpetua.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.EventAdapter;
import io.perpetua.Perpetua;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessType;
import io.perpetua.RawEvent;
import io.perpetua.Stores;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Accumulator.Added;
import io.perpetua.testing.JavaSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Queries, durable subscriptions and projections read events through the process type's event
 * adapter, exactly as recovery does: an old shape upcast, one stored event split in two, a removed
 * event dropped.
 */
@Timeout(30)
class AdaptedReadSideTest {

    /** Reads "old:x" (an earlier shape) as x, "a+b" as a and b, and drops "-". */
    private static final EventAdapter<Added> ADAPTER = new EventAdapter<>() {
        @Override
        public List<Added> fromJournal(RawEvent stored) {
            Added added = (Added) stored.decode();
            if (added.value().equals("-")) return List.of();
            if (added.value().startsWith("old:")) return List.of(new Added(added.value().substring(4)));
            return Arrays.stream(added.value().split("\\+")).map(Added::new).toList();
        }
    };

    private static final ProcessType<Accumulator.Command, List<String>, Added> WRITTEN = Accumulator.type();
    private static final ProcessType<Accumulator.Command, List<String>, Added> CURRENT =
            Accumulator.type().withEventAdapter(ADAPTER);

    private final Store store = Stores.open("memory:");
    private final String id = "acc-" + UUID.randomUUID();
    private Perpetua perpetua;
    private long last;

    @BeforeEach
    void persistOldShapes() {
        perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build();
        var ref = perpetua.start(WRITTEN, id);
        for (String v : List.of("old:a", "b+c", "-", "d", "-")) ref.call(new Accumulator.Add(v));
        last = store.journal().highestGlobalPosition();
    }

    @AfterEach
    void close() {
        perpetua.close();
        store.close();
    }

    @Test
    void a_current_query_delivers_what_recovery_applies_upcast_split_and_without_dropped_events() {
        EventQueries queries = EventQueries.of(perpetua).forType(CURRENT);

        List<PersistedEvent> events = drain(queries.currentEventsByPersistenceId(id, 1, Long.MAX_VALUE));

        assertThat(events).extracting(PersistedEvent::event)
                .containsExactly(new Added("a"), new Added("b"), new Added("c"), new Added("d"));
        assertThat(events).extracting(PersistedEvent::sequenceNr).containsExactly(1L, 2L, 2L, 4L);
        assertThat(events.get(1).globalPosition()).isEqualTo(events.get(2).globalPosition());
        assertThat(perpetua.readState(CURRENT, id).state()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void a_query_without_a_process_type_delivers_events_as_the_serializer_restores_them() {
        List<PersistedEvent> events = drain(EventQueries.of(perpetua).currentAllEvents(0));

        assertThat(events).extracting(PersistedEvent::event).containsExactly(new Added("old:a"), new Added("b+c"),
                new Added("-"), new Added("d"), new Added("-"));
    }

    @Test
    void a_live_query_applies_the_adapter_to_events_persisted_after_it_opened() throws Exception {
        EventQueries queries = EventQueries.of(perpetua).forType(CURRENT);
        try (QueryStream<PersistedEvent> all = queries.liveAllEvents(last + 1).open()) {
            perpetua.ref(WRITTEN, id).call(new Accumulator.Add("-"));
            perpetua.ref(WRITTEN, id).call(new Accumulator.Add("old:e+f"));
            perpetua.ref(WRITTEN, id).call(new Accumulator.Add("g+h"));

            List<Object> seen = new ArrayList<>();
            while (seen.size() < 3) all.poll(Duration.ofSeconds(5)).map(PersistedEvent::event).ifPresent(seen::add);

            assertThat(seen).containsExactly(new Added("e+f"), new Added("g"), new Added("h"));
            assertThat(all.poll(Duration.ofMillis(50))).isEmpty();
        }
    }

    @Test
    void types_chosen_by_persistence_id_apply_their_adapter_and_other_ids_decode_with_the_serializer_alone() {
        String other = "other-" + UUID.randomUUID();
        perpetua.start(WRITTEN, other).call(new Accumulator.Add("x+y"));
        EventQueries queries = EventQueries.of(perpetua)
                .forTypes(pid -> pid.equals(id) ? Optional.of(CURRENT) : Optional.empty());

        List<PersistedEvent> events = drain(queries.currentAllEvents(0));

        assertThat(events).extracting(PersistedEvent::event).containsExactly(new Added("a"), new Added("b"),
                new Added("c"), new Added("d"), new Added("x+y"));
    }

    @Test
    void a_durable_subscription_delivers_adapted_events_and_its_checkpoint_moves_past_dropped_ones() throws Exception {
        EventQueries queries = EventQueries.of(perpetua).forType(CURRENT);
        List<Object> seen = new ArrayList<>();
        try (DurableSubscription s = queries.subscribe("adapted-" + UUID.randomUUID(), SubscriptionOptions.defaults())) {
            while (seen.size() < 4) {
                Optional<PersistedEvent> e = s.poll(Duration.ofSeconds(5));
                e.ifPresent(x -> {
                    seen.add(x.event());
                    s.acknowledge(x);
                });
            }
            assertThat(s.poll(Duration.ofMillis(50))).isEmpty();
            assertThat(s.checkpoint()).isEqualTo(last);
        }
        assertThat(seen).containsExactly(new Added("a"), new Added("b"), new Added("c"), new Added("d"));
    }

    @Test
    void a_subscription_acknowledging_only_half_of_a_split_event_does_not_checkpoint_its_position() throws Exception {
        EventQueries queries = EventQueries.of(perpetua).forType(CURRENT);
        String name = "split-" + UUID.randomUUID();
        try (DurableSubscription s = queries.subscribe(name, SubscriptionOptions.defaults())) {
            PersistedEvent a = s.poll(Duration.ofSeconds(5)).orElseThrow();
            PersistedEvent b = s.poll(Duration.ofSeconds(5)).orElseThrow();
            s.acknowledge(a);
            s.acknowledge(b);
            assertThat(s.checkpoint()).isEqualTo(a.globalPosition());
        }
        try (DurableSubscription again = queries.subscribe(name, SubscriptionOptions.defaults())) {
            assertThat(again.poll(Duration.ofSeconds(5)).orElseThrow().event()).isEqualTo(new Added("b"));
        }
    }

    @Test
    void a_projection_handles_adapted_events_and_checkpoints_up_to_a_trailing_dropped_event() {
        List<Object> seen = new ArrayList<>();

        ProjectionResult result = EventQueries.of(perpetua).forType(CURRENT)
                .runOnce(Projection.of("p-" + UUID.randomUUID(), e -> seen.add(e.event())));

        assertThat(seen).containsExactly(new Added("a"), new Added("b"), new Added("c"), new Added("d"));
        assertThat(result.handled()).isEqualTo(4);
        assertThat(result.checkpoint()).isEqualTo(last);
    }

    @Test
    void an_event_the_adapter_cannot_read_fails_the_query_naming_the_event() {
        EventAdapter<Added> broken = new EventAdapter<>() {
            @Override
            public List<Added> fromJournal(RawEvent stored) {
                throw new IllegalArgumentException("unreadable");
            }
        };
        EventQueries queries = EventQueries.of(perpetua).forType(Accumulator.type().withEventAdapter(broken));

        assertThatThrownBy(() -> drain(queries.currentEventsByPersistenceId(id, 1, 1)))
                .hasMessageContaining(id + " #1").hasMessageContaining("unreadable");
    }

    @Test
    void the_read_side_decodes_exactly_as_perpetua_decode_does() {
        List<Object> viaRuntime = new ArrayList<>();
        for (StoredEvent e : store.journal().read(id, 1, Long.MAX_VALUE, 100)) viaRuntime.addAll(perpetua.decode(CURRENT, e));

        List<PersistedEvent> viaQuery = drain(EventQueries.of(perpetua).forType(CURRENT)
                .currentEventsByPersistenceId(id, 1, Long.MAX_VALUE));

        assertThat(viaQuery).extracting(PersistedEvent::event).containsExactlyElementsOf(viaRuntime);
    }

    private static List<PersistedEvent> drain(Query<PersistedEvent> query) {
        List<PersistedEvent> out = new ArrayList<>();
        try (QueryStream<PersistedEvent> s = query.open()) {
            s.forEachRemaining(out::add);
        }
        return out;
    }
}
