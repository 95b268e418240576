package io.perpetua.spi;

/**
 * One opened storage backend: its journal, snapshot store and checkpoint store. Closing it releases
 * its resources; calls after close throw {@link IllegalStateException}.
 */
public interface Store extends AutoCloseable {

    /** The URI this store was opened from, for messages and tools. */
    String uri();

    EventJournal journal();

    SnapshotStore snapshots();

    CheckpointStore checkpoints();

    /**
     * The store of durable-state processes.
     *
     * @throws UnsupportedOperationException if this store does not keep durable state (the default)
     */
    default DurableStateStore durableState() {
        throw new UnsupportedOperationException("store " + uri() + " (" + getClass().getName()
                + ") does not support durable-state processes");
    }

    /**
     * Whether the store accepts {@link Payload.Reference} payloads. Only in-memory stores do;
     * durable stores need serialized bytes and reject references.
     */
    default boolean acceptsReferences() {
        return false;
    }

    @Override
    void close();
}
