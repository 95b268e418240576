package io.perpetua.internal.read;

import io.perpetua.PersistedEvent;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.Projection;
import io.perpetua.query.ProjectionResult;
import io.perpetua.query.Query;
import io.perpetua.query.QueryStream;
import io.perpetua.query.RunningProjection;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.Payload;
import io.perpetua.spi.PersistenceIds;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/** The implementation behind {@link io.perpetua.query.EventQueries}; not part of the API. */
public final class ReadSide {

    private final Store store;
    private final Serializer serializer;
    private final int pageSize;

    /**
     * @param serializer null when the store keeps objects by reference
     */
    public ReadSide(Store store, Serializer serializer, int pageSize) {
        this.store = Objects.requireNonNull(store, "store");
        this.serializer = serializer;
        this.pageSize = pageSize;
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
        return new SubscriptionImpl(store, checkName(name), options, pageSize, Long.MAX_VALUE, this::decode);
    }

    public ProjectionResult runOnce(Projection projection) {
        long end = store.journal().highestGlobalPosition();
        SubscriptionImpl s = new SubscriptionImpl(store, projection.name(), projection.subscription(), pageSize, end,
                this::decode);
        return new ProjectionRun(projection, s, true).awaitResult();
    }

    public RunningProjection start(Projection projection) {
        SubscriptionImpl s = new SubscriptionImpl(store, projection.name(), projection.subscription(), pageSize,
                Long.MAX_VALUE, this::decode);
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
     * The one place the read side turns a stored event into the events it delivers: zero or more, so
     * that event adapters can drop or split events. Every query, subscription and projection decodes
     * here; it applies the same rules as the runtime's own decoding (a reference is its object; bytes
     * need the serializer).
     */
    private List<PersistedEvent> decode(StoredEvent e) {
        Object event = switch (e.payload()) {
            case Payload.Reference r -> r.value();
            case Payload.Serialized s -> {
                if (serializer == null) {
                    throw new IllegalStateException("no serializer is configured to read manifest '" + s.manifest()
                            + "' of " + e.persistenceId() + " #" + e.sequenceNr());
                }
                Object value = serializer.deserialize(s);
                if (value == null) {
                    throw new IllegalStateException("serializer returned null for manifest '" + s.manifest() + "'");
                }
                yield value;
            }
        };
        return List.of(new PersistedEvent(e.persistenceId(), e.sequenceNr(), e.globalPosition(), e.timestamp(),
                e.tags(), event));
    }
}
