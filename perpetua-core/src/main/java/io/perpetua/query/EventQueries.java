package io.perpetua.query;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.perpetua.Perpetua;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessType;
import io.perpetua.internal.Telemetry;
import io.perpetua.internal.read.ReadSide;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * The read side of one store: queries, durable subscriptions and projections. It reads through the
 * storage SPI only, so it sees events persisted by every runtime on the store, and works on every
 * store that passes the conformance suite. Thread-safe; it holds no resources of its own (the
 * streams, subscriptions and projections it opens do, and are closed by the caller). It does not
 * close the store.
 *
 * <pre>{@code
 * EventQueries queries = EventQueries.of(perpetua).forType(ACCOUNTS);
 * try (QueryStream<PersistedEvent> s = queries.currentEventsByTag("account", 0).open()) {
 *     s.forEachRemaining(e -> System.out.println(e.persistenceId() + " " + e.event()));
 * }
 * }</pre>
 *
 * <p>Positions are global positions ({@link PersistedEvent#globalPosition()}), inclusive; 0 and 1
 * both mean "from the first event". A current query delivers what is visible when it is opened, a
 * live one continues until closed.
 *
 * <p><b>Decoding and event adapters.</b> Every query, subscription and projection delivers
 * {@link PersistedEvent}s decoded as recovery decodes them. The store does not record which process
 * type wrote an event, so the read side is told: {@link #forType} reads every event through one
 * type's {@link io.perpetua.EventAdapter} (upcast, split, drop), {@link #forTypes} chooses the type
 * by persistence id; an event with no type is restored by the serializer alone. An event an adapter
 * splits is delivered as several {@code PersistedEvent}s sharing its sequence number and position,
 * one it drops is not delivered (a subscription's checkpoint still moves past it). An event that
 * cannot be read fails the stream with an exception naming its persistence id, sequence number and
 * position.
 */
public final class EventQueries {

    private final Store store;
    private final ReadSide readSide;

    private EventQueries(Store store, ReadSide readSide) {
        this.store = store;
        this.readSide = readSide;
    }

    /**
     * The read side of {@code store}, decoding with the first {@link Serializer} found by
     * {@link ServiceLoader} (as {@link io.perpetua.Perpetua} does), or by reference if there is none.
     */
    public static EventQueries of(Store store) {
        return builder(store).build();
    }

    /**
     * The read side of {@code perpetua}'s store, decoding with the runtime's serializer (by reference
     * if it has none), as {@link Perpetua#decode(io.perpetua.spi.StoredEvent)} does.
     */
    public static EventQueries of(Perpetua perpetua) {
        return builder(perpetua).build();
    }

    public static Builder builder(Store store) {
        return new Builder(store);
    }

    /** A builder for the read side of {@code perpetua}'s store, with the runtime's serializer. */
    public static Builder builder(Perpetua perpetua) {
        Objects.requireNonNull(perpetua, "perpetua");
        return new Builder(perpetua.store()).serializer(perpetua.serializer().orElse(null))
                .openTelemetry(perpetua.openTelemetry());
    }

    /**
     * The same read side, reading every event through {@code type}'s event adapter, exactly as
     * recovery of {@code type} and {@link Perpetua#decode(ProcessType, io.perpetua.spi.StoredEvent)}
     * read it; without an adapter, through the serializer alone. Use it for queries that return
     * events of one type (one process, or a tag only that type writes). An adapter built with
     * {@link io.perpetua.EventAdapter#builder()} restores events whose manifest it has no rule for
     * with the serializer, so events of other types pass through unchanged; a hand-written adapter
     * sees every event read.
     */
    public EventQueries forType(ProcessType<?, ?, ?> type) {
        Objects.requireNonNull(type, "type");
        Optional<ProcessType<?, ?, ?>> chosen = Optional.of(type);
        return new EventQueries(store, readSide.withTypes(id -> chosen));
    }

    /**
     * The same read side, reading the events of each persistence id through the event adapter of the
     * process type {@code typeOf} returns for it, and the events of ids it returns empty for through
     * the serializer alone. For queries over several types (all events, a shared tag):
     *
     * <pre>{@code
     * EventQueries queries = EventQueries.of(perpetua).forTypes(id ->
     *         id.startsWith("account-") ? Optional.of(ACCOUNTS)
     *         : id.startsWith("booking-") ? Optional.of(BOOKINGS) : Optional.empty());
     * }</pre>
     *
     * {@code typeOf} must be pure and thread-safe; it is called for every stored event read.
     */
    public EventQueries forTypes(Function<String, Optional<ProcessType<?, ?, ?>>> typeOf) {
        Objects.requireNonNull(typeOf, "typeOf");
        return new EventQueries(store, readSide.withTypes(id -> Objects.requireNonNull(typeOf.apply(id),
                () -> "the type function returned null for '" + id + "'; return Optional.empty()")));
    }

    /** The store read. */
    public Store store() {
        return store;
    }

    /** The events of one process with {@code fromSequenceNr <= sequenceNr <= toSequenceNr} that exist now. */
    public Query<PersistedEvent> currentEventsByPersistenceId(String persistenceId, long fromSequenceNr,
            long toSequenceNr) {
        return readSide.eventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, false);
    }

    /**
     * The events of one process in the range, now and as they are persisted; ends after
     * {@code toSequenceNr} ({@link Long#MAX_VALUE} for never). It reads the stream by its sequence
     * numbers, woken by the journal's new-position signal, so it never scans other processes' events.
     */
    public Query<PersistedEvent> liveEventsByPersistenceId(String persistenceId, long fromSequenceNr,
            long toSequenceNr) {
        return readSide.eventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, true);
    }

    /** The events carrying {@code tag} from {@code fromPosition}, up to the highest position now. */
    public Query<PersistedEvent> currentEventsByTag(String tag, long fromPosition) {
        return readSide.eventsInGlobalOrder(checkTag(tag), fromPosition, false);
    }

    /** The events carrying {@code tag} from {@code fromPosition}, now and as they are persisted. */
    public Query<PersistedEvent> liveEventsByTag(String tag, long fromPosition) {
        return readSide.eventsInGlobalOrder(checkTag(tag), fromPosition, true);
    }

    /** All events from {@code fromPosition}, up to the highest position now. */
    public Query<PersistedEvent> currentAllEvents(long fromPosition) {
        return readSide.eventsInGlobalOrder(null, fromPosition, false);
    }

    /** All events from {@code fromPosition}, now and as they are persisted. */
    public Query<PersistedEvent> liveAllEvents(long fromPosition) {
        return readSide.eventsInGlobalOrder(null, fromPosition, true);
    }

    /** The persistence ids that have had an event, in code point order, as listed now. */
    public Query<String> currentPersistenceIds() {
        return readSide.persistenceIds(false);
    }

    /**
     * The persistence ids listed now, then each new id when its first event is persisted. An id
     * created while the listing runs may be delivered twice.
     */
    public Query<String> livePersistenceIds() {
        return readSide.persistenceIds(true);
    }

    /**
     * Opens the durable subscription {@code name}.
     *
     * @throws ConsumerAlreadyActiveException if a subscription or projection of that name is open
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public DurableSubscription subscribe(String name, SubscriptionOptions options) {
        return readSide.subscribe(name, Objects.requireNonNull(options, "options"));
    }

    /**
     * Runs {@code projection} from its checkpoint up to the highest position visible now, on this
     * thread's behalf, and returns when it is done.
     *
     * @throws ProjectionFailedException if the handler failed and the policy said to stop; the
     *     checkpoint is left before the failed event
     * @throws ConsumerAlreadyActiveException if the projection's name is in use
     */
    public ProjectionResult runOnce(Projection projection) {
        return readSide.runOnce(Objects.requireNonNull(projection, "projection"));
    }

    /**
     * Starts {@code projection} continuously: it catches up from its checkpoint and follows new
     * events until closed or failed.
     *
     * @throws ConsumerAlreadyActiveException if the projection's name is in use
     */
    public RunningProjection start(Projection projection) {
        return readSide.start(Objects.requireNonNull(projection, "projection"));
    }

    private static String checkTag(String tag) {
        if (tag == null || tag.isBlank()) throw new IllegalArgumentException("a tag must not be null or blank: '" + tag + "'");
        return tag;
    }

    /** Configures {@link EventQueries}. */
    public static final class Builder {
        private final Store store;
        private Serializer serializer;
        private boolean serializerSet;
        private int pageSize = 256;
        private OpenTelemetry openTelemetry;

        private Builder(Store store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The serializer to decode with; {@code null} decodes references only. */
        public Builder serializer(Serializer serializer) {
            this.serializer = serializer;
            this.serializerSet = true;
            return this;
        }

        /**
         * How many events one read from the store returns at most, and so how many a stream holds
         * (default 256).
         */
        public Builder pageSize(int pageSize) {
            if (pageSize < 1) throw new IllegalArgumentException("pageSize must be >= 1, was " + pageSize);
            this.pageSize = pageSize;
            return this;
        }

        /**
         * Where the lag of subscriptions and projections is reported ({@code perpetua.subscription.lag});
         * by default the runtime's for {@link EventQueries#builder(Perpetua)}, otherwise
         * {@link GlobalOpenTelemetry#get()}, read by {@link #build()}.
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        public EventQueries build() {
            Serializer chosen = serializerSet ? serializer : discoverSerializer();
            OpenTelemetry otel = openTelemetry != null ? openTelemetry : GlobalOpenTelemetry.get();
            return new EventQueries(store, new ReadSide(store, chosen, pageSize, new Telemetry.SubscriptionLag(otel)));
        }

        private static Serializer discoverSerializer() {
            Iterator<Serializer> it = ServiceLoader.load(Serializer.class, EventQueries.class.getClassLoader()).iterator();
            return it.hasNext() ? it.next() : null;
        }
    }
}
