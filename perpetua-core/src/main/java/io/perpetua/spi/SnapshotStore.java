package io.perpetua.spi;

import java.util.Optional;

/**
 * Saved states of processes, keyed by (persistence id, sequence number). A snapshot is an
 * optimisation, never the source of truth: the runtime can always rebuild state from the journal.
 *
 * <p>{@link #save} replaces a snapshot already saved at the same key and, when it returns, the
 * snapshot is durable and visible to {@link #loadLatest}. Failures throw {@link StoreException}. All
 * methods are safe to call from many threads.
 */
public interface SnapshotStore {

    /**
     * Saves the snapshot, replacing any at the same (persistence id, sequence number).
     *
     * @throws IllegalArgumentException if the store refuses the snapshot before writing anything, for a
     *     reason that retrying will not fix (a {@link Payload.Reference} in a store that does not
     *     accept references, a payload above the store's size limit)
     */
    void save(SnapshotRecord snapshot);

    /** The selected snapshot with the highest sequence number, if any. */
    Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria);

    /** Deletes the snapshot at exactly this sequence number, if present. */
    void delete(String persistenceId, long sequenceNr);

    /** Deletes every selected snapshot of the process. */
    void delete(String persistenceId, SnapshotCriteria criteria);
}
