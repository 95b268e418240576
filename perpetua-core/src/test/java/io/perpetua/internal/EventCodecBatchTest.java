package io.perpetua.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.EventAdapter;
import io.perpetua.RawEvent;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.JavaSerializer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Decoding a range of events at once gives, event by event, what decoding each alone gives. */
class EventCodecBatchTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private final JavaSerializer serializer = new JavaSerializer().failingToRead(p -> p.bytes().length == 3);

    private List<StoredEvent> events(Serializer writer) {
        List<StoredEvent> events = new ArrayList<>();
        long seq = 1;
        for (Object v : List.of("a", "b", 3L)) events.add(stored(seq++, writer.serialize(v)));
        events.add(stored(seq++, new Payload.Serialized(String.class.getName(), 1, new byte[] {1, 2, 3}))); // unreadable
        events.add(stored(seq++, new Payload.Reference("kept")));
        events.add(stored(seq++, new Payload.Serialized(String.class.getName(), 1, new byte[] {0x13, 0x37, 0, 1}))); // garbage
        events.add(stored(seq, writer.serialize("z")));
        return events;
    }

    private static StoredEvent stored(long seq, Payload payload) {
        return new StoredEvent("p", seq, seq, T, Set.of(), payload);
    }

    /** What decode gives for each event: its list, or the class and message of what it throws. */
    private static List<Object> alone(EventCodec<Object, Object> codec, List<StoredEvent> events) {
        List<Object> outcomes = new ArrayList<>();
        for (StoredEvent e : events) {
            try {
                outcomes.add(codec.decode(e));
            } catch (RuntimeException x) {
                outcomes.add(x.getClass().getName() + ": " + x.getMessage());
            }
        }
        return outcomes;
    }

    private static List<Object> together(EventCodec<Object, Object> codec, List<StoredEvent> events, int from, int to) {
        Object[] slots = new Object[events.size()];
        codec.decodeAll(events, from, to, slots);
        List<Object> outcomes = new ArrayList<>();
        for (int i = from; i < to; i++) {
            outcomes.add(slots[i] instanceof RuntimeException x ? x.getClass().getName() + ": " + x.getMessage() : slots[i]);
        }
        return outcomes;
    }

    @Test
    void a_range_decodes_each_event_as_decode_does_alone() {
        EventCodec<Object, Object> codec = EventCodec.plain(serializer);
        List<StoredEvent> events = events(serializer);

        assertThat(together(codec, events, 0, events.size())).isEqualTo(alone(codec, events));
        assertThat(together(codec, events, 2, 5)).isEqualTo(alone(codec, events.subList(2, 5)));
    }

    @Test
    void with_an_event_adapter_a_range_decodes_each_event_through_the_adapter() {
        EventAdapter<Object> twice = new EventAdapter<>() {
            @Override
            public List<Object> fromJournal(RawEvent raw) {
                Object e = raw.decode();
                return List.of(e, e);
            }
        };
        EventCodec<Object, Object> codec = EventCodec.forReading(serializer, twice);
        List<StoredEvent> events = events(serializer);

        List<Object> outcomes = together(codec, events, 0, events.size());

        assertThat(outcomes).isEqualTo(alone(codec, events));
        assertThat(outcomes.getFirst()).isEqualTo(List.of("a", "a"));
    }

    @Test
    void a_serializer_that_returns_null_in_a_batch_fails_that_event_as_decode_does() {
        Serializer nulls = new DelegatingSerializer(serializer) {
            @Override
            public Object deserialize(Payload.Serialized payload) {
                Object value = serializer.deserialize(payload);
                return "b".equals(value) ? null : value;
            }
        };
        EventCodec<Object, Object> codec = EventCodec.plain(nulls);
        List<StoredEvent> events = events(serializer);

        List<Object> outcomes = together(codec, events, 0, events.size());

        assertThat(outcomes).isEqualTo(alone(codec, events));
        assertThat(outcomes.get(1)).isEqualTo(IllegalStateException.class.getName()
                + ": serializer returned null for manifest 'java.lang.String'");
    }

    @Test
    void a_serializer_whose_batch_throws_has_each_event_decoded_alone() {
        Serializer broken = new DelegatingSerializer(serializer) {
            @Override
            public void deserializeAll(List<Payload.Serialized> payloads, Object[] values, RuntimeException[] failures) {
                throw new IllegalStateException("batch broke");
            }
        };
        EventCodec<Object, Object> codec = EventCodec.plain(broken);
        List<StoredEvent> events = events(serializer);

        assertThat(together(codec, events, 0, events.size())).isEqualTo(alone(codec, events));
    }

    /** A serializer that forwards to another, with the interface's own deserializeAll. */
    private static class DelegatingSerializer implements Serializer {
        final Serializer serializer;

        DelegatingSerializer(Serializer serializer) {
            this.serializer = serializer;
        }

        @Override
        public Payload.Serialized serialize(Object value) {
            return serializer.serialize(value);
        }

        @Override
        public Object deserialize(Payload.Serialized payload) {
            return serializer.deserialize(payload);
        }
    }
}
