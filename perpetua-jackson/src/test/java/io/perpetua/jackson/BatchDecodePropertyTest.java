package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.Manifests;
import io.perpetua.spi.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * {@link JacksonSerializer#deserializeAll} gives, for every payload, what {@link JacksonSerializer#deserialize}
 * gives for it alone: the same value or an exception of the same class with the same message, whatever
 * its neighbours hold.
 */
class BatchDecodePropertyTest {

    sealed interface Shape permits Circle, Square {}
    record Circle(long radius) implements Shape {}
    record Square(long side) implements Shape {}

    sealed interface Event {
        record Deposited(String accountId, long amount, String currency, Instant at) implements Event {}
        record Drawn(Shape shape, Optional<String> note, List<Long> marks) implements Event {}
        record Renamed(String name) implements Event {}
    }

    private static Manifests manifests() {
        return Manifests.builder()
                .shortNames("t.", Event.class)
                .shortNames("s.", Shape.class)
                .schemaVersion(Event.Drawn.class, 2)
                .build();
    }

    /** What one payload gave: a value, or a failure's class and message. */
    record Outcome(Object value, Class<?> failure, String message) {
        static Outcome of(Object value, RuntimeException failure) {
            return failure == null ? new Outcome(value, null, null)
                    : new Outcome(null, failure.getClass(), failure.getMessage());
        }
    }

    private static List<Outcome> alone(JacksonSerializer serializer, List<Payload.Serialized> payloads) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Payload.Serialized p : payloads) {
            try {
                outcomes.add(Outcome.of(serializer.deserialize(p), null));
            } catch (RuntimeException e) {
                outcomes.add(Outcome.of(null, e));
            }
        }
        return outcomes;
    }

    private static List<Outcome> together(JacksonSerializer serializer, List<Payload.Serialized> payloads) {
        Object[] values = new Object[payloads.size() + 1];
        RuntimeException[] failures = new RuntimeException[payloads.size() + 1];
        Arrays.fill(values, "stale");
        failures[payloads.size()] = new IllegalStateException("past the end");
        serializer.deserializeAll(payloads, values, failures);
        assertThat(values[payloads.size()]).isEqualTo("stale");
        assertThat(failures[payloads.size()]).hasMessage("past the end");
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            assertThat(values[i] == null).as("exactly one of value and failure at %d", i).isNotEqualTo(failures[i] == null);
            outcomes.add(Outcome.of(values[i], failures[i]));
        }
        return outcomes;
    }

    @Property(tries = 400)
    void a_batch_decodes_each_payload_as_it_decodes_alone(@ForAll("payloadLists") List<Payload.Serialized> payloads) {
        List<Outcome> expected = alone(new JacksonSerializer(manifests()), payloads);
        JacksonSerializer batch = new JacksonSerializer(manifests());
        // once with no manifest resolved yet, once with all of them resolved
        assertThat(together(batch, payloads)).isEqualTo(expected);
        assertThat(together(batch, payloads)).isEqualTo(expected);
    }

    @Test
    void a_payload_cut_short_does_not_borrow_the_bytes_of_the_next_one() {
        JacksonSerializer serializer = new JacksonSerializer(manifests());
        Payload.Serialized whole = serializer.serialize(new Event.Renamed("x"));
        String json = new String(whole.bytes(), StandardCharsets.UTF_8);
        int cut = json.indexOf("\"x\"");
        // read end to end, the two halves would make the whole event again
        Payload.Serialized head = new Payload.Serialized(whole.manifest(), 1, json.substring(0, cut).getBytes(StandardCharsets.UTF_8));
        Payload.Serialized tail = new Payload.Serialized(whole.manifest(), 1, json.substring(cut).getBytes(StandardCharsets.UTF_8));
        List<Payload.Serialized> payloads = List.of(whole, head, tail, whole);

        List<Outcome> outcomes = together(serializer, payloads);

        assertThat(outcomes.get(0).value()).isEqualTo(new Event.Renamed("x"));
        assertThat(outcomes.get(1).failure()).isEqualTo(IllegalArgumentException.class);
        assertThat(outcomes.get(2).failure()).isEqualTo(IllegalArgumentException.class);
        assertThat(outcomes.get(3).value()).isEqualTo(new Event.Renamed("x"));
        assertThat(outcomes).isEqualTo(alone(serializer, payloads));
    }

    @Test
    void arrays_shorter_than_the_payloads_are_refused() {
        JacksonSerializer serializer = new JacksonSerializer();
        Payload.Serialized p = serializer.serialize(new Event.Renamed("x"));
        assertThatThrownBy(() -> serializer.deserializeAll(List.of(p, p), new Object[1], new RuntimeException[2]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 payloads");
    }

    @Provide
    Arbitrary<List<Payload.Serialized>> payloadLists() {
        return payloads().list().ofMaxSize(40);
    }

    private Arbitrary<Payload.Serialized> payloads() {
        JacksonSerializer writer = new JacksonSerializer(manifests());
        Arbitrary<Payload.Serialized> valid = events().map(writer::serialize);
        Arbitrary<byte[]> validBytes = valid.map(Payload.Serialized::bytes);
        Arbitrary<String> manifest = Arbitraries.of(Event.Deposited.class, Event.Drawn.class, Event.Renamed.class)
                .map(writer::manifestOf);
        Arbitrary<byte[]> broken = Arbitraries.oneOf(
                // cut anywhere: may end inside a string, a name, a number or an object
                validBytes.flatMap(b -> Arbitraries.integers().between(0, b.length).map(n -> Arrays.copyOf(b, n))),
                // content after a whole value, which a single read ignores
                Combinators.combine(validBytes, Arbitraries.of("}", "]", " 1", "\"x", "{", " {\"amount\":5}", "  ", "\n"))
                        .as((b, tail) -> concat(b, tail.getBytes(StandardCharsets.UTF_8))),
                // content before a value
                validBytes.map(b -> concat(" \t".getBytes(StandardCharsets.UTF_8), b)),
                validBytes.map(b -> concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, b)),
                validBytes.map(b -> new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16BE)),
                Arbitraries.of("null", "", " ", "[]", "{}", "\"text\"", "12", "-0.5e3", "true", "{\"name\":null}",
                        "{\"shape\":{\"@type\":\"s.Triangle\"}}", "{\"amount\":\"lots\"}", "{\"amount\":1", "{\"name\":\"a",
                        "{\"name\":\"\\u00e9t\\u00e9\"}", "nul", "[{}]", "{\"name\":\"x\"}{\"name\":\"y\"}")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(12));
        Arbitrary<Payload.Serialized> invalid = Combinators.combine(manifest, broken)
                .as((m, b) -> new Payload.Serialized(m, 1, b));
        Arbitrary<Payload.Serialized> unknownManifest = valid.map(p -> new Payload.Serialized("t.Gone", 1, p.bytes()));
        Arbitrary<Payload.Serialized> otherType = Combinators.combine(valid, manifest)
                .as((p, m) -> new Payload.Serialized(m, 1, p.bytes()));
        Arbitrary<Payload.Serialized> tooNew = Combinators.combine(valid, Arbitraries.integers().between(1, 3))
                .as((p, v) -> new Payload.Serialized(p.manifest(), p.schemaVersion() + v, p.bytes()));
        return Arbitraries.frequencyOf(
                Tuple.of(8, valid), Tuple.of(4, invalid), Tuple.of(1, unknownManifest), Tuple.of(1, otherType),
                Tuple.of(1, tooNew));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private Arbitrary<Event> events() {
        Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '~').withChars('é', '\n', '"', '\\').ofMaxLength(8);
        Arbitrary<Event> deposited = Combinators.combine(text, Arbitraries.longs(), text,
                        Arbitraries.longs().between(0, 4_000_000_000_000L).map(Instant::ofEpochMilli))
                .as(Event.Deposited::new);
        Arbitrary<Shape> shape = Arbitraries.oneOf(Arbitraries.longs().map(Circle::new), Arbitraries.longs().map(Square::new));
        Arbitrary<Event> drawn = Combinators.combine(shape, text.optional(), Arbitraries.longs().list().ofMaxSize(3))
                .as(Event.Drawn::new);
        Arbitrary<Event> renamed = text.map(Event.Renamed::new);
        return Arbitraries.oneOf(deposited, drawn, renamed);
    }
}
