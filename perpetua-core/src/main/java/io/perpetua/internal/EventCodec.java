package io.perpetua.internal;

import io.perpetua.EventAdapter;
import io.perpetua.RawEvent;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.StoredEvent;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * How one process type's events and snapshots become payloads and back: the event adapter, the
 * snapshot mapper and the runtime's serializer (null when objects are kept in a memory store).
 * Recovery, the running process and {@link io.perpetua.Perpetua#decode} all go through it, so the
 * write and read paths cannot drift apart. Immutable and thread-safe.
 */
public final class EventCodec<S, E> {

    private final Serializer serializer;
    private final boolean keepObjects;
    private final EventAdapter<E> adapter;
    private final boolean defaultAdapter;
    private final Function<? super S, ?> toStored;
    private final Function<Object, ? extends S> fromStored;

    public EventCodec(Serializer serializer, EventAdapter<E> adapter, Function<? super S, ?> toStored,
            Function<Object, ? extends S> fromStored) {
        this(serializer, false, adapter, toStored, fromStored);
    }

    /**
     * @param keepObjects write objects as references (a memory store kept for speed) while still
     *     reading serialized payloads already in the store with {@code serializer}
     */
    public EventCodec(Serializer serializer, boolean keepObjects, EventAdapter<E> adapter,
            Function<? super S, ?> toStored, Function<Object, ? extends S> fromStored) {
        this.serializer = serializer;
        this.keepObjects = keepObjects;
        this.adapter = adapter != null ? adapter : new EventAdapter<>() {};
        this.defaultAdapter = adapter == null;
        this.toStored = toStored;
        this.fromStored = fromStored;
    }

    /**
     * A codec for readers of the journal that have a serializer and, optionally, the event adapter of
     * the type that wrote the events ({@link io.perpetua.ProcessType#eventAdapter()}); its
     * {@link #decode} gives what recovery would apply.
     */
    public static <E> EventCodec<Object, E> forReading(Serializer serializer, EventAdapter<E> adapter) {
        return new EventCodec<>(serializer, adapter, null, null);
    }

    /** The codec of a type with neither adapter nor snapshot mapper. */
    public static <S, E> EventCodec<S, E> plain(Serializer serializer) {
        return new EventCodec<>(serializer, null, null, null);
    }

    public Serializer serializer() {
        return serializer;
    }

    /** The stored form of one event: what the adapter makes of it, encoded, and the adapter's tags. */
    public Encoded encode(E event) {
        EventAdapter.Tagged tagged = adapter.toJournal(event);
        if (tagged == null) {
            throw new IllegalStateException("event adapter " + adapter.getClass().getName() + " returned null for "
                    + event.getClass().getName());
        }
        return new Encoded(Codec.encode(keepObjects ? null : serializer, tagged.event()), tagged.tags(),
                tagged.event().getClass());
    }

    /**
     * The payload, its tags, and the type actually serialized (the adapter's output).
     */
    public record Encoded(Payload payload, Set<String> tags, Class<?> storedType) {}

    /** The current events for one stored event, through the adapter; empty if the adapter drops it. */
    @SuppressWarnings("unchecked")
    public List<E> decode(StoredEvent stored) {
        // what the default adapter gives, without a RawEvent view and checks per replayed event
        if (defaultAdapter) return List.of((E) Codec.decode(serializer, stored.payload()));
        List<? extends E> events = adapter.fromJournal(new Raw(stored));
        if (events == null) {
            throw new IllegalStateException("event adapter " + adapter.getClass().getName() + " returned null");
        }
        for (E e : events) {
            if (e == null) throw new IllegalStateException("event adapter " + adapter.getClass().getName()
                    + " returned a null event");
        }
        return (List<E>) List.copyOf(events);
    }

    /**
     * Decodes {@code events[from, to)} into {@code slots[from, to)}: each slot the list {@link #decode}
     * gives for its event, or the {@link RuntimeException} it throws, so that a poison event is reported
     * as its own. With no event adapter the serialized payloads go to the serializer together
     * ({@link Serializer#deserializeAll}), which may share work between them; an adapter sees one event
     * at a time, as it always has.
     */
    public void decodeAll(List<StoredEvent> events, int from, int to, Object[] slots) {
        if (!defaultAdapter || serializer == null || to - from < 2
                || !(events.get(from).payload() instanceof Payload.Serialized)) { // objects: nothing to share
            for (int i = from; i < to; i++) slots[i] = decodeOrFailure(events.get(i));
            return;
        }
        int n = to - from;
        Payload.Serialized[] payloads = new Payload.Serialized[n];
        int serialized = 0;
        for (int i = from; i < to; i++) {
            if (events.get(i).payload() instanceof Payload.Serialized s) payloads[serialized++] = s;
        }
        Object[] values = new Object[serialized];
        RuntimeException[] failures = new RuntimeException[serialized];
        try {
            serializer.deserializeAll(Arrays.asList(payloads).subList(0, serialized), values, failures);
        } catch (RuntimeException e) {
            // the serializer broke the contract for the whole call: each event on its own, so that a
            // failure is still attributed to the event that causes it
            for (int i = from; i < to; i++) slots[i] = decodeOrFailure(events.get(i));
            return;
        }
        for (int i = from, k = 0; i < to; i++) {
            Payload payload = events.get(i).payload();
            if (payload instanceof Payload.Serialized s) {
                Object value = values[k];
                RuntimeException failure = failures[k++];
                slots[i] = failure != null ? failure : value == null ? Codec.returnedNull(s) : List.of(value);
            } else {
                slots[i] = decodeOrFailure(events.get(i));
            }
        }
    }

    /** What {@link #decode} gives for {@code stored}, or the {@link RuntimeException} it throws. */
    Object decodeOrFailure(StoredEvent stored) {
        try {
            return decode(stored);
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** The payload of a snapshot of {@code state}, mapped to its stored form first. */
    public Payload encodeSnapshot(S state) {
        Object stored = toStored == null ? state : toStored.apply(state);
        if (stored == null) throw new IllegalStateException("the snapshot mapper returned null");
        return Codec.encode(keepObjects ? null : serializer, stored);
    }

    /** The state a snapshot payload holds, mapped back from its stored form. */
    @SuppressWarnings("unchecked")
    public S decodeSnapshot(Payload payload) {
        Object stored = Codec.decode(serializer, payload);
        S state = fromStored == null ? (S) stored : fromStored.apply(stored);
        if (state == null) throw new IllegalStateException("the snapshot mapper returned null");
        return state;
    }

    /** A stored event as adapters see it. */
    private final class Raw implements RawEvent {
        private final StoredEvent stored;

        Raw(StoredEvent stored) {
            this.stored = stored;
        }

        @Override
        public String persistenceId() {
            return stored.persistenceId();
        }

        @Override
        public long sequenceNr() {
            return stored.sequenceNr();
        }

        @Override
        public Instant timestamp() {
            return stored.timestamp();
        }

        @Override
        public Set<String> tags() {
            return stored.tags();
        }

        @Override
        public String manifest() {
            return switch (stored.payload()) {
                case Payload.Serialized s -> s.manifest();
                case Payload.Reference r -> serializer == null ? r.value().getClass().getName()
                        : serializer.manifestOf(r.value().getClass());
            };
        }

        @Override
        public int schemaVersion() {
            return stored.payload() instanceof Payload.Serialized s ? s.schemaVersion() : 1;
        }

        @Override
        public byte[] bytes() {
            return stored.payload() instanceof Payload.Serialized s ? s.bytes().clone() : new byte[0];
        }

        @Override
        public Object tree() {
            return switch (stored.payload()) {
                case Payload.Serialized s -> needSerializer().readTree(s);
                case Payload.Reference r -> needSerializer().toTree(r.value());
            };
        }

        @Override
        public <T> T as(Class<T> type) {
            Objects.requireNonNull(type, "type");
            return switch (stored.payload()) {
                case Payload.Serialized s -> needSerializer().deserialize(s, type);
                case Payload.Reference r -> type.isInstance(r.value()) ? type.cast(r.value())
                        : needSerializer().fromTree(needSerializer().toTree(r.value()), type);
            };
        }

        @Override
        public <T> T convert(Object tree, Class<T> type) {
            return needSerializer().fromTree(tree, Objects.requireNonNull(type, "type"));
        }

        @Override
        public Object decode() {
            return Codec.decode(serializer, stored.payload());
        }

        private Serializer needSerializer() {
            if (serializer == null) {
                throw new UnsupportedOperationException("event " + stored.sequenceNr() + " of '" + stored.persistenceId()
                        + "' is kept as an object and no serializer is configured to read it as data");
            }
            return serializer;
        }
    }
}
