package io.perpetua.fory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Perpetua;
import io.perpetua.ProcessType;
import io.perpetua.Stores;
import io.perpetua.spi.Manifests;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ForySerializerTest {

    sealed interface Shape permits Circle, Square {}
    record Circle(double radius) implements Shape {}
    record Square(long side) implements Shape {}
    record Drawn(String id, Shape shape, List<Shape> more, Optional<String> note, Instant at) {}

    /** Drawn as a later version has it: one field more. */
    record DrawnV2(String id, Shape shape, List<Shape> more, Optional<String> note, Instant at, String layer) {}

    private final ForySerializer serializer = new ForySerializer();

    @Test
    void records_with_sealed_fields_optionals_and_time_round_trip_unchanged() {
        Drawn drawn = new Drawn("d-1", new Circle(1.5), List.of(new Square(2), new Circle(0)), Optional.of("n"),
                Instant.parse("2026-11-23T10:15:30.123456789Z"));
        Payload.Serialized p = serializer.serialize(drawn);
        assertThat(p.manifest()).isEqualTo(Drawn.class.getName());
        assertThat(serializer.deserialize(p)).isEqualTo(drawn);
    }

    @Test
    void bytes_of_an_old_type_read_as_a_renamed_type_with_an_added_field_through_an_alias() {
        Drawn drawn = new Drawn("d-2", new Square(3), List.of(), Optional.empty(), Instant.EPOCH);
        Payload.Serialized old = serializer.serialize(drawn);
        ForySerializer later = new ForySerializer(Manifests.builder()
                .manifest("drawn", DrawnV2.class).alias(Drawn.class.getName(), DrawnV2.class).build());
        assertThat(later.deserialize(old))
                .isEqualTo(new DrawnV2("d-2", new Square(3), List.of(), Optional.empty(), Instant.EPOCH, null));
    }

    @Test
    void an_unknown_manifest_is_refused_naming_it() {
        assertThatThrownBy(() -> serializer.deserialize(new Payload.Serialized("gone.Type", 1, new byte[] {1})))
                .hasMessageContaining("unknown manifest 'gone.Type'");
    }

    @Test
    void a_runtime_with_the_fory_serializer_recovers_its_processes() {
        ProcessType<Shape, List<Shape>, Shape> type = ProcessType.<Shape, List<Shape>, Shape>pure("shapes", List.of(),
                (shape, shapes) -> List.of(shape), (shapes, shape) -> {
                    List<Shape> next = new ArrayList<>(shapes);
                    next.add(shape);
                    return List.copyOf(next);
                });
        try (Store store = Stores.open("memory:")) {
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
                perpetua.start(type, "s-1").call(new Circle(2));
                perpetua.start(type, "s-1").call(new Square(4));
            }
            assertThat(store.journal().read("s-1", 1, 1, 1).getFirst().payload()).isInstanceOf(Payload.Serialized.class);
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
                assertThat(perpetua.readState(type, "s-1").state()).containsExactly(new Circle(2), new Square(4));
            }
        }
    }
}
