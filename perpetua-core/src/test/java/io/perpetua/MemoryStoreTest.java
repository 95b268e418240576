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
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Ids;
import java.time.Instant;
import java.util.List;
import java.util.Set;
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
}
