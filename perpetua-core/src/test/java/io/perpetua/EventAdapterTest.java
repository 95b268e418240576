package io.perpetua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Accumulator.Added;
import io.perpetua.testing.Ids;
import io.perpetua.testing.JavaSerializer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Event adapters and snapshot mappers on the runtime, with and without a serializer. */
class EventAdapterTest {

    private final Store store = Stores.open("memory:");

    @AfterEach
    void close() {
        store.close();
    }

    /** Stores "a+b" as one event and reads it back as two; drops "-" values on read. */
    private static final EventAdapter<Added> SPLITTING = new EventAdapter<>() {
        @Override
        public Tagged toJournal(Added event) {
            return Tagged.of(event, "len-" + event.value().length());
        }

        @Override
        public List<Added> fromJournal(RawEvent stored) {
            Added added = (Added) stored.decode();
            if (added.value().equals("-")) return List.of();
            return java.util.Arrays.stream(added.value().split("\\+")).map(Added::new).toList();
        }
    };

    private static Accumulator.Add add(String value) {
        return new Accumulator.Add(value);
    }

    @Test
    void recovery_applies_every_event_an_adapter_reads_from_one_stored_event_and_none_for_a_dropped_one() {
        String id = Ids.fresh("split");
        ProcessType<Accumulator.Command, List<String>, Added> type = Accumulator.type().withEventAdapter(SPLITTING);
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(type, id);
            ref.call(add("a+b"));
            ref.call(add("-"));
            ref.call(add("c"));
        }
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
            RecoveredState<List<String>> state = perpetua.readState(type, id);
            assertThat(state.state()).containsExactly("a", "b", "c");
            assertThat(state.sequenceNr()).isEqualTo(3);
            List<StoredEvent> stored = store.journal().read(id, 1, 3, 10);
            assertThat(perpetua.decode(type, stored.get(0))).containsExactly(new Added("a"), new Added("b"));
            assertThat(perpetua.decode(type, stored.get(1))).isEmpty();
            assertThat(perpetua.decode(stored.get(0))).isEqualTo(new Added("a+b"));
        }
    }

    @Test
    void adapter_tags_are_stored_beside_the_taggers_tags() {
        String id = Ids.fresh("tags");
        ProcessType<Accumulator.Command, List<String>, Added> type = Accumulator.type()
                .withTags(e -> "accumulated").withEventAdapter(SPLITTING);
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.start(type, id).call(add("abc"));
        }
        assertThat(store.journal().read(id, 1, 1, 1).getFirst().tags()).isEqualTo(Set.of("accumulated", "len-3"));
    }

    @Test
    void an_adapter_that_fails_on_write_rejects_the_persist_and_the_process_goes_on() {
        String id = Ids.fresh("failing-adapter");
        ProcessType<Accumulator.Command, List<String>, Added> type = Accumulator.type()
                .withEventAdapter(new EventAdapter<>() {
                    @Override
                    public Tagged toJournal(Added event) {
                        if (event.value().equals("bad")) throw new IllegalArgumentException("no bad values");
                        return Tagged.of(event);
                    }
                });
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(type, id);
            assertThatThrownBy(() -> ref.call(add("bad")))
                    .isInstanceOf(PersistRejectedException.class)
                    .hasMessageContaining(Added.class.getName())
                    .hasMessageContaining("no bad values");
            assertThat(ref.<List<String>>call(add("good"))).containsExactly("good");
            assertThat(store.journal().highestSequenceNr(id)).isEqualTo(1);
        }
    }

    @Test
    void a_snapshot_mapper_stores_the_mapped_form_and_maps_it_back_on_recovery() {
        String id = Ids.fresh("mapped");
        ProcessType<Accumulator.Command, List<String>, Added> type = Accumulator.type().withSnapshotEvery(2)
                .withSnapshotMapper(values -> String.join(",", values), stored -> List.of(((String) stored).split(",")));
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(type, id);
            ref.call(add("x"));
            ref.call(add("y"));
        }
        SnapshotRecord snapshot = store.snapshots().loadLatest(id, SnapshotCriteria.latest()).orElseThrow();
        assertThat(new JavaSerializer().deserialize((io.perpetua.spi.Payload.Serialized) snapshot.payload())).isEqualTo("x,y");
        store.journal().deleteUpTo(id, 2);
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
            assertThat(perpetua.readState(type, id).state()).containsExactly("x", "y");
        }
    }

    @Test
    void an_upcast_rule_that_throws_makes_a_poison_event_naming_id_sequence_number_and_manifest() {
        String id = Ids.fresh("upcast-fails");
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
            perpetua.start(Accumulator.type(), id).call(add("v"));
        }
        ProcessType<Accumulator.Command, List<String>, Added> type = Accumulator.type().withEventAdapter(
                EventAdapter.<Added>builder().upcast(Added.class.getName(), raw -> {
                    throw new IllegalStateException("cannot upcast");
                }).build());
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
            assertThatThrownBy(() -> perpetua.start(type, id))
                    .isInstanceOf(RecoveryFailedException.class)
                    .hasMessageContaining("'" + id + "'")
                    .hasMessageContaining("event 1 ")
                    .hasMessageContaining(Added.class.getName())
                    .hasMessageContaining("cannot upcast");
        }
    }

    @Test
    void the_adapter_builder_refuses_two_rules_for_one_manifest_and_version() {
        EventAdapter.Builder<Added> builder = EventAdapter.<Added>builder().upcast("m", 1, raw -> List.of());
        assertThatThrownBy(() -> builder.upcast("m", 1, raw -> List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'m v1'");
    }
}
