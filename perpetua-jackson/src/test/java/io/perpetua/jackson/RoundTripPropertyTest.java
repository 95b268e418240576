package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.Manifests;
import io.perpetua.spi.Payload;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RoundTripPropertyTest {

    enum Kind { SMALL, LARGE, UNKNOWN }

    sealed interface Node permits Leaf, Branch, Labelled {}
    record Leaf(long value, Kind kind) implements Node {}
    record Branch(List<Node> children, Optional<Node> preferred) implements Node {}
    record Labelled(String label, Node node, Map<String, BigDecimal> weights) implements Node {}

    sealed interface Event {
        record Recorded(String id, Node tree, Instant at, LocalDate day, Optional<String> note) implements Event {}
        record Measured(double value, int count, boolean exact, List<Kind> kinds) implements Event {}
        record Grouped(Map<String, List<Event>> groups) implements Event {}
    }

    private static final JacksonSerializer DEFAULT = new JacksonSerializer();
    private static final JacksonSerializer SHORT_NAMES = new JacksonSerializer(Manifests.builder()
            .shortNames("t.", Event.class).shortNames("t.", Node.class).build());

    @Property(tries = 300)
    void every_generated_event_round_trips_through_the_default_serializer(@ForAll("events") Event event) {
        Payload.Serialized p = DEFAULT.serialize(event);
        assertThat(p.manifest()).isEqualTo(event.getClass().getName());
        assertThat(DEFAULT.deserialize(p)).isEqualTo(event);
    }

    @Property(tries = 200)
    void every_generated_event_round_trips_with_short_names(@ForAll("events") Event event) {
        assertThat(SHORT_NAMES.deserialize(SHORT_NAMES.serialize(event))).isEqualTo(event);
    }

    @Property(tries = 200)
    void every_generated_event_survives_a_trip_through_the_neutral_tree(@ForAll("events") Event event) {
        Object tree = DEFAULT.readTree(DEFAULT.serialize(event));
        assertThat(DEFAULT.fromTree(tree, event.getClass())).isEqualTo(event);
    }

    @Provide
    Arbitrary<Event> events() {
        Arbitrary<Event> recorded = Combinators.combine(text(), nodes(3), instants(), days(), text().optional())
                .as(Event.Recorded::new);
        Arbitrary<Event> measured = Combinators.combine(
                        Arbitraries.doubles().between(-1e12, 1e12), Arbitraries.integers(), Arbitraries.of(true, false),
                        Arbitraries.of(Kind.class).list().ofMaxSize(4))
                .as(Event.Measured::new);
        Arbitrary<Event> flat = Arbitraries.oneOf(recorded, measured);
        Arbitrary<Event> grouped = Arbitraries.maps(text(), flat.list().ofMaxSize(3)).ofMaxSize(3).map(Event.Grouped::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, recorded), net.jqwik.api.Tuple.of(2, measured), net.jqwik.api.Tuple.of(1, grouped));
    }

    private Arbitrary<Node> nodes(int depth) {
        Arbitrary<Node> leaf = Combinators.combine(Arbitraries.longs(), Arbitraries.of(Kind.class)).as(Leaf::new);
        if (depth == 0) return leaf;
        Arbitrary<Node> inner = Arbitraries.lazy(() -> nodes(depth - 1));
        Arbitrary<Node> branch = Combinators.combine(inner.list().ofMaxSize(3), inner.optional()).as(Branch::new);
        Arbitrary<Node> labelled = Combinators.combine(text(), inner,
                        Arbitraries.maps(text(), Arbitraries.bigDecimals().ofScale(2)).ofMaxSize(2))
                .as(Labelled::new);
        return Arbitraries.oneOf(leaf, branch, labelled);
    }

    private static Arbitrary<String> text() {
        return Arbitraries.strings().alpha().numeric().withChars("é€ ✓\"\\\n\t{}").ofMaxLength(12);
    }

    private static Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L)
                .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)));
    }

    private static Arbitrary<LocalDate> days() {
        return Arbitraries.longs().between(-100_000, 100_000).map(LocalDate::ofEpochDay);
    }
}
