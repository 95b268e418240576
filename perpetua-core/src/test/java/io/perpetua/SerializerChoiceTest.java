package io.perpetua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Ids;
import io.perpetua.testing.JavaSerializer;
import org.junit.jupiter.api.Test;

/** Which serializer a runtime uses, and what it says when a store needs one and there is none. */
class SerializerChoiceTest {

    /** A memory store that, like a durable store, takes only bytes. */
    private static final class BytesOnlyStore implements Store {
        private final Store memory = Stores.open("memory:");

        @Override
        public String uri() {
            return "bytes-only:test";
        }

        @Override
        public EventJournal journal() {
            return memory.journal();
        }

        @Override
        public SnapshotStore snapshots() {
            return memory.snapshots();
        }

        @Override
        public CheckpointStore checkpoints() {
            return memory.checkpoints();
        }

        @Override
        public void close() {
            memory.close();
        }
    }

    @Test
    void a_store_that_needs_bytes_refuses_to_start_without_a_serializer_and_says_what_to_add() {
        try (Store store = new BytesOnlyStore()) {
            // no serializer is on this module's test class path, so discovery finds none
            assertThatThrownBy(() -> Perpetua.builder().store(store).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("bytes-only:test")
                    .hasMessageContaining("needs a serializer")
                    .hasMessageContaining("perpetua-jackson")
                    .hasMessageContaining("Perpetua.builder().serializer(");
        }
    }

    @Test
    void keeping_objects_in_memory_does_not_apply_to_a_store_that_needs_bytes() {
        String id = Ids.fresh("bytes");
        try (Store store = new BytesOnlyStore();
                Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer())
                        .keepObjectsInMemory().build()) {
            perpetua.start(Accumulator.type(), id).call(new Accumulator.Add("a"));
            assertThat(store.journal().read(id, 1, 1, 1).getFirst().payload()).isInstanceOf(Payload.Serialized.class);
        }
    }

    @Test
    void a_given_serializer_is_used_for_the_memory_store_unless_objects_are_kept() {
        String id = Ids.fresh("memory");
        try (Store store = Stores.open("memory:")) {
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
                perpetua.start(Accumulator.type(), id).call(new Accumulator.Add("a"));
            }
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer())
                    .keepObjectsInMemory().build()) {
                // the event written with bytes is still read back: the serializer keeps reading
                assertThat(perpetua.start(Accumulator.type(), id).<java.util.List<String>>call(new Accumulator.Add("b")))
                        .containsExactly("a", "b");
            }
            assertThat(store.journal().read(id, 1, 2, 2)).extracting(e -> (Object) e.payload().getClass())
                    .containsExactly(Payload.Serialized.class, Payload.Reference.class);
        }
    }
}
