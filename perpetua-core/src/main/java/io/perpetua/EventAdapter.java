package io.perpetua;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Translates between the events a process works with and the events its journal holds, registered
 * per process type with {@link ProcessType#withEventAdapter}.
 *
 * <p><b>On write</b> ({@link #toJournal}) each persisted event becomes exactly one stored event,
 * possibly of another type, with tags; the tags join those of the type's tagger. The process, its
 * {@code apply} and subscribers see the original event.
 *
 * <p><b>On read</b> ({@link #fromJournal}) each stored event becomes zero, one or several current
 * events: upcast an old schema version, split one event into several, drop a removed event type.
 * The adapter sees the raw stored form (manifest, schema version, bytes or a neutral tree), so it can
 * read data whose class no longer exists. Recovery and {@link Perpetua#decode(ProcessType,
 * io.perpetua.spi.StoredEvent)} apply it; the sequence number of every event it returns is that of
 * the stored event.
 *
 * <p>Implementations must be pure and thread-safe: the runtime calls them from many processes at
 * once and again on every recovery. An exception thrown by {@code toJournal} rejects the persist;
 * one thrown by {@code fromJournal} makes the stored event a poison event.
 *
 * @param <E> the current events of the process type
 */
public interface EventAdapter<E> {

    /** The stored form of {@code event} and its tags. Default: the event itself, no tags. */
    default Tagged toJournal(E event) {
        return new Tagged(event, Set.of());
    }

    /**
     * The current events for one stored event, in order; may be empty. Default: the event as the
     * serializer restores it.
     */
    @SuppressWarnings("unchecked")
    default List<? extends E> fromJournal(RawEvent stored) {
        return List.of((E) stored.decode());
    }

    /**
     * What {@link #toJournal} stores for one event.
     *
     * @param event the object to serialize, non-null
     * @param tags extra tags, each non-blank
     */
    record Tagged(Object event, Set<String> tags) {
        public Tagged {
            Objects.requireNonNull(event, "event");
            tags = Set.copyOf(Objects.requireNonNull(tags, "tags"));
        }

        /** {@code event} with {@code tags}. */
        public static Tagged of(Object event, String... tags) {
            return new Tagged(event, Set.of(tags));
        }
    }

    /** A builder of an adapter from one rule per manifest (and optionally schema version). */
    static <E> Builder<E> builder() {
        return new Builder<>();
    }

    /**
     * Builds an {@link EventAdapter} from rules. On read, the rule for the stored event's manifest
     * and exact schema version applies; else the rule for its manifest at any version; else the event
     * is restored by the serializer. On write, the {@link #onWrite} function applies (default: none).
     * Not thread-safe; the adapter it builds is immutable.
     */
    final class Builder<E> {
        private final Map<String, Function<RawEvent, List<? extends E>>> byManifest = new HashMap<>();
        private final Map<String, Function<RawEvent, List<? extends E>>> byVersion = new HashMap<>();
        private Function<? super E, Tagged> onWrite = e -> new Tagged(e, Set.of());

        private Builder() {}

        /** Reads stored events of {@code manifest}, at every schema version without a more specific rule. */
        public Builder<E> upcast(String manifest, Function<RawEvent, List<? extends E>> rule) {
            put(byManifest, requireManifest(manifest), rule);
            return this;
        }

        /** Reads stored events of {@code manifest} at exactly {@code schemaVersion}. */
        public Builder<E> upcast(String manifest, int schemaVersion, Function<RawEvent, List<? extends E>> rule) {
            if (schemaVersion < 1) throw new IllegalArgumentException("schema version must be >= 1, was " + schemaVersion);
            put(byVersion, requireManifest(manifest) + " v" + schemaVersion, rule);
            return this;
        }

        /** Reads stored events of {@code manifest} (a renamed or replaced type) as {@code type}. */
        public Builder<E> rename(String manifest, Class<? extends E> type) {
            Objects.requireNonNull(type, "type");
            return upcast(manifest, raw -> List.of(raw.as(type)));
        }

        /** Drops stored events of {@code manifest}: a removed event type that no longer affects state. */
        public Builder<E> drop(String manifest) {
            return upcast(manifest, raw -> List.of());
        }

        /** Transforms and tags each event on write. */
        public Builder<E> onWrite(Function<? super E, Tagged> toJournal) {
            this.onWrite = Objects.requireNonNull(toJournal, "toJournal");
            return this;
        }

        public EventAdapter<E> build() {
            Map<String, Function<RawEvent, List<? extends E>>> manifests = Map.copyOf(byManifest);
            Map<String, Function<RawEvent, List<? extends E>>> versions = Map.copyOf(byVersion);
            Function<? super E, Tagged> write = onWrite;
            return new EventAdapter<>() {
                @Override
                public Tagged toJournal(E event) {
                    Tagged tagged = write.apply(event);
                    if (tagged == null) throw new IllegalStateException("the onWrite function returned null for " + event);
                    return tagged;
                }

                @Override
                @SuppressWarnings("unchecked")
                public List<? extends E> fromJournal(RawEvent stored) {
                    Function<RawEvent, List<? extends E>> rule = versions.get(stored.manifest() + " v" + stored.schemaVersion());
                    if (rule == null) rule = manifests.get(stored.manifest());
                    if (rule == null) return List.of((E) stored.decode());
                    List<? extends E> events = rule.apply(stored);
                    if (events == null) {
                        throw new IllegalStateException("the upcast rule for manifest '" + stored.manifest() + "' returned null");
                    }
                    return events;
                }
            };
        }

        private static String requireManifest(String manifest) {
            if (manifest == null || manifest.isBlank()) throw new IllegalArgumentException("manifest must not be blank");
            return manifest;
        }

        private void put(Map<String, Function<RawEvent, List<? extends E>>> map, String key,
                Function<RawEvent, List<? extends E>> rule) {
            Objects.requireNonNull(rule, "rule");
            if (map.putIfAbsent(key, rule) != null) {
                throw new IllegalArgumentException("a read rule for '" + key + "' is already registered");
            }
        }
    }
}
