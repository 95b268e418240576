package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.jackson.Shop.Colour;
import io.perpetua.jackson.Shop.Fixed;
import io.perpetua.jackson.Shop.Line;
import io.perpetua.jackson.Shop.Money;
import io.perpetua.jackson.Shop.OrderEvent;
import io.perpetua.jackson.Shop.Payment;
import io.perpetua.jackson.Shop.Percent;
import io.perpetua.spi.Manifests;
import io.perpetua.spi.Payload;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JacksonSerializerTest {

    private final JacksonSerializer serializer = new JacksonSerializer();

    private static final OrderEvent.Placed PLACED = new OrderEvent.Placed("o-1",
            List.of(new Line("apple", 3, new Money(new BigDecimal("0.40"), "EUR"))), Map.of("apple", 17),
            Set.of(Colour.RED, Colour.BLUE), Instant.parse("2026-11-23T10:15:30.123456Z"), Duration.ofMinutes(15),
            Optional.of("leave at the door"), OptionalInt.of(2));

    private Object roundTrip(Object value) {
        return serializer.deserialize(serializer.serialize(value));
    }

    @Test
    void records_with_collections_enums_time_and_optionals_round_trip_unchanged() {
        assertThat(roundTrip(PLACED)).isEqualTo(PLACED);
        OrderEvent.Cancelled none = new OrderEvent.Cancelled("o-2", Optional.empty());
        assertThat(roundTrip(none)).isEqualTo(none);
    }

    @Test
    void a_field_of_a_sealed_type_round_trips_to_its_concrete_type_also_nested_and_in_optionals_and_lists() {
        OrderEvent.Paid paid = new OrderEvent.Paid("o-1",
                new Payment.Split(List.of(new Payment.Card("4242", LocalDate.of(2028, 1, 31)), new Payment.Voucher("XMAS"))),
                Optional.of(new Percent(10)), List.of(new Fixed(new Money(BigDecimal.ONE, "EUR")), new Percent(5)));
        assertThat(roundTrip(paid)).isEqualTo(paid);
    }

    @Test
    void only_values_of_a_sealed_declared_type_carry_a_type_property() {
        OrderEvent.Paid paid = new OrderEvent.Paid("o-1", new Payment.Voucher("XMAS"), Optional.empty(), List.of());
        String json = new String(serializer.serialize(paid).bytes(), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"orderId\":\"o-1\",\"payment\":{\"@type\":\"" + Payment.Voucher.class.getName()
                + "\",\"code\":\"XMAS\"},\"discount\":null,\"extra\":[]}");
    }

    @Test
    void the_default_manifest_is_the_binary_class_name_at_schema_version_1() {
        Payload.Serialized p = serializer.serialize(PLACED);
        assertThat(p.manifest()).isEqualTo("io.perpetua.jackson.Shop$OrderEvent$Placed");
        assertThat(p.schemaVersion()).isEqualTo(1);
    }

    @Test
    void time_values_are_written_as_iso_strings() {
        String json = new String(serializer.serialize(PLACED).bytes(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"at\":\"2026-11-23T10:15:30.123456Z\"").contains("\"holdFor\":\"PT15M\"");
    }

    @Test
    void explicit_manifests_and_schema_versions_are_written_and_read_back() {
        JacksonSerializer named = new JacksonSerializer(Manifests.builder()
                .manifest("order.cancelled", OrderEvent.Cancelled.class)
                .schemaVersion(OrderEvent.Cancelled.class, 3)
                .build());
        OrderEvent.Cancelled event = new OrderEvent.Cancelled("o-9", Optional.of("changed my mind"));
        Payload.Serialized p = named.serialize(event);
        assertThat(p.manifest()).isEqualTo("order.cancelled");
        assertThat(p.schemaVersion()).isEqualTo(3);
        assertThat(named.deserialize(p)).isEqualTo(event);
    }

    @Test
    void short_names_name_a_sealed_hierarchy_by_enclosing_types_without_the_package() {
        JacksonSerializer named = new JacksonSerializer(Manifests.builder().shortNames("shop.", Payment.class).build());
        assertThat(named.manifestOf(Payment.Card.class)).isEqualTo("shop.Shop.Payment.Card");
        Payment.Split split = new Payment.Split(List.of(new Payment.Voucher("A")));
        Payload.Serialized p = named.serialize(split);
        assertThat(p.manifest()).isEqualTo("shop.Shop.Payment.Split");
        assertThat(new String(p.bytes(), StandardCharsets.UTF_8)).contains("\"@type\":\"shop.Shop.Payment.Voucher\"");
        assertThat(named.deserialize(p)).isEqualTo(split);
    }

    @Test
    void an_alias_reads_data_stored_under_an_old_name() {
        JacksonSerializer renamed = new JacksonSerializer(Manifests.builder()
                .manifest("order.cancelled", OrderEvent.Cancelled.class)
                .alias("com.example.old.OrderCancelled", OrderEvent.Cancelled.class)
                .build());
        Payload.Serialized old = new Payload.Serialized("com.example.old.OrderCancelled", 1,
                "{\"orderId\":\"o-3\",\"reason\":\"late\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(renamed.deserialize(old)).isEqualTo(new OrderEvent.Cancelled("o-3", Optional.of("late")));
    }

    @Test
    void two_types_under_one_manifest_are_refused_naming_both() {
        assertThatThrownBy(() -> Manifests.builder()
                .manifest("payment", Payment.Card.class)
                .manifest("payment", Payment.Voucher.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'payment'")
                .hasMessageContaining(Payment.Card.class.getName())
                .hasMessageContaining(Payment.Voucher.class.getName());
    }

    @Test
    void an_unknown_manifest_is_refused_naming_it() {
        Payload.Serialized p = new Payload.Serialized("order.Refunded", 1, "{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> serializer.deserialize(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown manifest 'order.Refunded'");
    }

    @Test
    void data_from_a_newer_schema_version_is_refused_naming_both_versions() {
        Payload.Serialized p = new Payload.Serialized(OrderEvent.Cancelled.class.getName(), 2,
                "{\"orderId\":\"o-3\"}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> serializer.deserialize(p))
                .hasMessageContaining("schema version 2")
                .hasMessageContaining("version 1");
    }

    @Test
    void data_from_a_newer_schema_version_is_refused_also_after_older_data_of_its_manifest_was_read() {
        byte[] json = "{\"orderId\":\"o-3\"}".getBytes(StandardCharsets.UTF_8);
        String manifest = OrderEvent.Cancelled.class.getName();
        assertThat(serializer.deserialize(new Payload.Serialized(manifest, 1, json))).isInstanceOf(OrderEvent.Cancelled.class);

        assertThatThrownBy(() -> serializer.deserialize(new Payload.Serialized(manifest, 2, json)))
                .hasMessageContaining("schema version 2")
                .hasMessageContaining("version 1");
        assertThat(serializer.deserialize(new Payload.Serialized(manifest, 1, json))).isInstanceOf(OrderEvent.Cancelled.class);
    }

    @Test
    void an_unknown_manifest_is_refused_every_time_it_is_read() {
        Payload.Serialized p = new Payload.Serialized("order.Refunded", 1, "{}".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> serializer.deserialize(p)).hasMessageContaining("unknown manifest 'order.Refunded'");
        }
    }

    @Test
    void removed_fields_are_ignored_and_added_fields_read_as_empty() {
        Payload.Serialized p = new Payload.Serialized(OrderEvent.Cancelled.class.getName(), 1,
                "{\"orderId\":\"o-4\",\"cancelledBy\":\"ann\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(serializer.deserialize(p)).isEqualTo(new OrderEvent.Cancelled("o-4", Optional.empty()));
    }

    record Holder(Object content) {}

    @Test
    void a_value_that_cannot_be_written_is_refused_naming_its_type_and_the_reason() {
        assertThatThrownBy(() -> serializer.serialize(new Holder(new Object())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot serialize " + Holder.class.getName())
                .hasMessageContaining("java.lang.Object");
    }

    @Test
    void a_payload_reads_as_a_neutral_tree_and_a_tree_builds_a_value() {
        Payload.Serialized p = serializer.serialize(new OrderEvent.Paid("o-1", new Payment.Voucher("XMAS"),
                Optional.of(new Percent(10)), List.of()));
        Object tree = serializer.readTree(p);
        assertThat(tree).isEqualTo(Map.of("orderId", "o-1",
                "payment", Map.of("@type", Payment.Voucher.class.getName(), "code", "XMAS"),
                "discount", Map.of("@type", Percent.class.getName(), "percent", 10L),
                "extra", List.of()));
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) tree;
        fields.put("orderId", "o-2");
        assertThat(serializer.fromTree(fields, OrderEvent.Paid.class))
                .isEqualTo(new OrderEvent.Paid("o-2", new Payment.Voucher("XMAS"), Optional.of(new Percent(10)), List.of()));
    }

    @Test
    void a_type_property_naming_a_type_outside_the_sealed_hierarchy_is_refused() {
        Payload.Serialized p = new Payload.Serialized(OrderEvent.Paid.class.getName(), 1,
                ("{\"orderId\":\"o\",\"payment\":{\"@type\":\"" + Percent.class.getName() + "\",\"percent\":1}}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> serializer.deserialize(p)).hasMessageContaining(Percent.class.getName());
    }
}
