package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Ids;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The memory store's naming: {@code memory:NAME} is shared by every opener, {@code memory:} is fresh. */
class MemoryStoreTest {

    private static void appendOne(Store store, String id) {
        EventData data = new EventData(new Payload.Reference("e"), Set.of(), Instant.now());
        store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), List.of(data))));
    }

    @Test
    void a_named_memory_store_is_shared_between_opens() {
        String uri = Ids.freshMemoryStore();
        String id = Ids.fresh("shared");
        try (Store a = Stores.open(uri); Store b = Stores.open(uri)) {
            appendOne(a, id);

            assertThat(b.journal().highestSequenceNr(id)).isEqualTo(1);
            assertThat(b.uri()).isEqualTo(uri);
        }
    }

    @Test
    void a_named_memory_store_keeps_its_data_after_close() {
        String uri = Ids.freshMemoryStore();
        String id = Ids.fresh("kept");
        try (Store a = Stores.open(uri)) {
            appendOne(a, id);
        }

        try (Store b = Stores.open(uri)) {
            assertThat(b.journal().highestSequenceNr(id)).isEqualTo(1);
        }
    }

    @Test
    void an_unnamed_memory_store_is_fresh_on_every_open() {
        String id = Ids.fresh("fresh");
        try (Store a = Stores.open("memory:"); Store b = Stores.open("memory:")) {
            appendOne(a, id);

            assertThat(a.journal().highestSequenceNr(id)).isEqualTo(1);
            assertThat(b.journal().highestSequenceNr(id)).isZero();
        }
    }

    @Test
    void differently_named_memory_stores_do_not_share_data() {
        String id = Ids.fresh("apart");
        try (Store a = Stores.open(Ids.freshMemoryStore()); Store b = Stores.open(Ids.freshMemoryStore())) {
            appendOne(a, id);

            assertThat(b.journal().highestSequenceNr(id)).isZero();
        }
    }

    @Test
    void a_closed_memory_store_refuses_use() {
        Store store = Stores.open("memory:");
        store.close();

        assertThatThrownBy(() -> store.journal().highestSequenceNr("x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void a_malformed_memory_uri_is_refused() {
        assertThatThrownBy(() -> Stores.open("memory:a/b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void processes_of_a_runtime_opened_on_a_named_store_recover_in_the_next_runtime() {
        String uri = Ids.freshMemoryStore();
        String id = Ids.fresh("next-runtime");
        try (Perpetua perpetua = Perpetua.open(uri)) {
            perpetua.start(Accumulator.type(), id).call(add("kept"));
        }
        try (Perpetua perpetua = Perpetua.open(uri)) {
            List<String> state = perpetua.start(Accumulator.type(), id).call(get());
            assertThat(state).containsExactly("kept");
        }
    }

    @Test
    void events_spread_over_many_chunks_read_back_in_global_stream_and_tag_order() {
        String a = Ids.fresh("chunked-a");
        String b = Ids.fresh("chunked-b");
        Instant at = Instant.parse("2026-01-02T03:04:05.123456789Z");
        int perStream = 5_000; // the store keeps its journal in chunks of a few thousand events
        try (Store store = Stores.open("memory:")) {
            for (int i = 1; i <= perStream; i++) {
                for (String id : List.of(a, b)) {
                    Set<String> tags = i % 1000 == 0 ? Set.of("thousands") : Set.of();
                    EventData data = new EventData(new Payload.Reference(id + "#" + i), tags, at.plusNanos(i));
                    store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.exactly(i - 1), List.of(data))));
                }
            }

            List<StoredEvent> all = store.journal().readAll(4_000, 300);
            assertThat(all).extracting(StoredEvent::globalPosition).containsExactlyElementsOf(
                    LongStream.rangeClosed(4_000, 4_299).boxed().toList());
            StoredEvent first = all.getFirst(); // position 4,000: the second stream's event 2,000
            assertThat(first.persistenceId()).isEqualTo(b);
            assertThat(first.sequenceNr()).isEqualTo(2_000);
            assertThat(first.timestamp()).isEqualTo(at.plusNanos(2_000));
            assertThat(first.payload()).isEqualTo(new Payload.Reference(b + "#2000"));
            assertThat(store.journal().read(a, 4_090, 4_100, 100)).extracting(StoredEvent::payload)
                    .containsExactlyElementsOf(IntStream.rangeClosed(4_090, 4_100)
                            .mapToObj(i -> (Payload) new Payload.Reference(a + "#" + i)).toList());
            assertThat(store.journal().readByTag("thousands", 0, 100)).extracting(StoredEvent::sequenceNr)
                    .containsExactly(1_000L, 1_000L, 2_000L, 2_000L, 3_000L, 3_000L, 4_000L, 4_000L, 5_000L, 5_000L);
        }
    }

    @Test
    void deleted_events_are_gone_from_every_read_and_their_positions_are_not_reused() {
        String id = Ids.fresh("deleted");
        String other = Ids.fresh("kept");
        try (Store store = Stores.open("memory:")) {
            for (int i = 0; i < 3; i++) {
                appendOne(store, id);
                appendOne(store, other);
            }
            store.journal().deleteUpTo(id, 2);
            appendOne(store, id);

            assertThat(store.journal().read(id, 0, Long.MAX_VALUE, 100)).extracting(StoredEvent::sequenceNr)
                    .containsExactly(3L, 4L);
            assertThat(store.journal().readAll(0, 100)).extracting(StoredEvent::globalPosition)
                    .containsExactly(2L, 4L, 5L, 6L, 7L);
            assertThat(store.journal().highestSequenceNr(id)).isEqualTo(4);
        }
    }

    @Test
    void an_event_object_that_is_itself_a_payload_is_read_back_as_that_reference() {
        String id = Ids.fresh("payload-object");
        Payload inner = new Payload.Serialized("m", 1, new byte[] {1, 2});
        try (Store store = Stores.open("memory:")) {
            store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.none(),
                    List.of(new EventData(new Payload.Reference(inner), Set.of(), Instant.now())))));

            Payload read = store.journal().read(id, 1, 1, 1).getFirst().payload();
            assertThat(read).isEqualTo(new Payload.Reference(inner));
        }
    }
}
