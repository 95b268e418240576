package io.perpetua;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A stored event before it becomes a current event: what an {@link EventAdapter} reads to upcast,
 * split or drop data written by earlier code, including data whose class no longer exists. Valid
 * only during the {@link EventAdapter#fromJournal} call it is given to.
 */
public interface RawEvent {

    String persistenceId();

    long sequenceNr();

    Instant timestamp();

    /** The tags stored with the event. */
    Set<String> tags();

    /** The stored type name; for an event kept as an object, the manifest its class would have. */
    String manifest();

    /** The stored schema version (1 for an event kept as an object). */
    int schemaVersion();

    /** A copy of the stored bytes; empty for an event kept as an object. */
    byte[] bytes();

    /**
     * The stored data as a neutral tree (see {@link io.perpetua.spi.Serializer#readTree}): maps,
     * lists, strings, numbers, booleans and nulls. Needs no class of the stored type. Mutable and
     * private to the caller.
     *
     * @throws UnsupportedOperationException if the runtime's serializer cannot read trees
     */
    Object tree();

    /**
     * {@link #tree()} as an object's fields.
     *
     * @throws IllegalStateException if the stored data is not an object
     */
    @SuppressWarnings("unchecked")
    default Map<String, Object> fields() {
        Object tree = tree();
        if (tree instanceof Map<?, ?> map) return (Map<String, Object>) map;
        throw new IllegalStateException("event " + sequenceNr() + " of '" + persistenceId() + "' (manifest "
                + manifest() + ") is not an object but " + (tree == null ? "null" : tree.getClass().getSimpleName()));
    }

    /** The stored data read as {@code type}, whatever its manifest: for a class that was renamed. */
    <T> T as(Class<T> type);

    /** A value of {@code type} built from a tree, typically {@link #tree()} after editing. */
    <T> T convert(Object tree, Class<T> type);

    /** The event as the serializer restores it by its manifest, without any adapter. */
    Object decode();
}
