package io.perpetua.internal.read;

import io.perpetua.EventAdapter;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessType;
import io.perpetua.internal.EventCodec;
import io.perpetua.internal.Telemetry;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.Projection;
import io.perpetua.query.ProjectionResult;
import io.perpetua.query.Query;
import io.perpetua.query.QueryStream;
import io.perpetua.query.RunningProjection;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.PersistenceIds;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Supplier;

/** The implementation behind {@link io.perpetua.query.EventQueries}; not part of the API. */
public final class ReadSide {

    private final Store store;
    private final Serializer serializer;
    private final int pageSize;
    /** The process type whose event adapter reads the events of a persistence id; empty for none. */
    private final Function<String, Optional<ProcessType<?, ?, ?>>> typeOf;
    private final EventCodec<Object, Object> plain;
    private final Map<ProcessType<?, ?, ?>, EventCodec<Object, ?>> codecs = new ConcurrentHashMap<>();
    private final Telemetry.SubscriptionLag lag;

    /**
     * @param serializer null when the store keeps objects by reference
     */
    public ReadSide(Store store, Serializer serializer, int pageSize) {
        this(store, serializer, pageSize, id -> Optional.empty());
    }

    /**
     * @param serializer null when the store keeps objects by reference
     * @param lag where the lag of the subscriptions and projections opened here is reported
     */
    public ReadSide(Store store, Serializer serializer, int pageSize, Telemetry.SubscriptionLag lag) {
        this(store, serializer, pageSize, id -> Optional.empty(), lag);
    }

    /**
     * @param typeOf the process type whose event adapter reads the events of a persistence id, as
     *     recovery of that type would; empty for the serializer alone
     */
    public ReadSide(Store store, Serializer serializer, int pageSize,
            Function<String, Optional<ProcessType<?, ?, ?>>> typeOf) {
        this(store, serializer, pageSize, typeOf, Telemetry.SubscriptionLag.NONE);
    }

    private ReadSide(Store store, Serializer serializer, int pageSize,
            Function<String, Optional<ProcessType<?, ?, ?>>> typeOf, Telemetry.SubscriptionLag lag) {
        this.lag = Objects.requireNonNull(lag, "lag");
        this.store = Objects.requireNonNull(store, "store");
        this.serializer = serializer;
        this.pageSize = pageSize;
        this.typeOf = Objects.requireNonNull(typeOf, "typeOf");
        this.plain = EventCodec.forReading(serializer, null);
    }

    /** The same read side, decoding with the adapters chosen by {@code typeOf}. */
    public ReadSide withTypes(Function<String, Optional<ProcessType<?, ?, ?>>> typeOf) {
        return new ReadSide(store, serializer, pageSize, typeOf, lag);
    }

    public Query<PersistedEvent> eventsByPersistenceId(String persistenceId, long fromSequenceNr, long toSequenceNr,
            boolean live) {
        PersistenceIds.validate(persistenceId);
        return query(() -> {
            long to = live ? toSequenceNr
                    : Math.min(toSequenceNr, store.journal().highestSequenceNr(persistenceId));
            return new PersistenceIdStream(store.journal(), pageSize, persistenceId, fromSequenceNr, to, live,
                    this::decode);
        });
    }

    /** Events with {@code tag}, or all events when {@code tag} is null. */
    public Query<PersistedEvent> eventsInGlobalOrder(String tag, long fromPosition, boolean live) {
        return query(() -> new GlobalStream(store.journal(), pageSize, tag, fromPosition,
                live ? Long.MAX_VALUE : store.journal().highestGlobalPosition(), this::decode));
    }

    public Query<String> persistenceIds(boolean live) {
        return query(() -> new PersistenceIdsStream(store.journal(), pageSize, live));
    }

    public DurableSubscription subscribe(String name, SubscriptionOptions options) {
        return new SubscriptionImpl(store, checkName(name), options, pageSize, Long.MAX_VALUE, this::decode, lag);
    }

    public ProjectionResult runOnce(Projection projection) {
        long end = store.journal().highestGlobalPosition();
        SubscriptionImpl s = new SubscriptionImpl(store, projection.name(), projection.subscription(), pageSize, end,
                this::decode, lag);
        return new ProjectionRun(projection, s, true).awaitResult();
    }

    public RunningProjection start(Projection projection) {
        SubscriptionImpl s = new SubscriptionImpl(store, projection.name(), projection.subscription(), pageSize,
                Long.MAX_VALUE, this::decode, lag);
        return new ProjectionRun(projection, s, false);
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a subscription name must not be null or blank: '" + name + "'");
        }
        return name;
    }

    private static <T> Query<T> query(Supplier<QueryStream<T>> opener) {
        return new Query<>() {
            @Override
            public QueryStream<T> open() {
                return opener.get();
            }

            @Override
            public Flow.Publisher<T> publisher() {
                return new QueryPublisher<>(opener);
            }
        };
    }

    /**
     * The one place the read side turns a stored event into the events it delivers: zero or more,
     * through the event adapter of the persistence id's process type (if one is chosen), exactly as
     * recovery reads them ({@link EventCodec#forReading}); otherwise through the serializer alone.
     * Every query, subscription and projection decodes here. A failure names the event.
     */
    private List<PersistedEvent> decode(StoredEvent e) {
        List<?> events;
        try {
            events = codecFor(e.persistenceId()).decode(e);
        } catch (RuntimeException failure) {
            throw new IllegalStateException("cannot read event " + e.persistenceId() + " #" + e.sequenceNr()
                    + " at position " + e.globalPosition() + ": " + failure.getMessage(), failure);
        }
        if (events.size() == 1) return List.of(persisted(e, events.getFirst()));
        List<PersistedEvent> out = new ArrayList<>(events.size());
        for (Object event : events) out.add(persisted(e, event));
        return out;
    }

    private static PersistedEvent persisted(StoredEvent e, Object event) {
        return new PersistedEvent(e.persistenceId(), e.sequenceNr(), e.globalPosition(), e.timestamp(), e.tags(), event);
    }

    private EventCodec<Object, ?> codecFor(String persistenceId) {
        Optional<ProcessType<?, ?, ?>> type = typeOf.apply(persistenceId);
        if (type == null || type.isEmpty()) return plain;
        return codecs.computeIfAbsent(type.get(), t -> forReading(serializer, t));
    }

    private static <E> EventCodec<Object, E> forReading(Serializer serializer, ProcessType<?, ?, E> type) {
        EventAdapter<E> adapter = type.eventAdapter().orElse(null);
        return EventCodec.forReading(serializer, adapter);
    }
}
