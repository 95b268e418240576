package io.perpetua.spi;

import java.util.Optional;

/**
 * The whole state of each durable-state process, one record per persistence id, fenced by a
 * revision number.
 *
 * <p>{@link #upsert} is a compare-and-set: it writes only if the stored revision is the expected one
 * (0 when no record exists), and the new record has revision {@code expectedRevision + 1}. When it
 * returns {@code true} the record is durable and visible to {@link #load}; {@code false} means another
 * writer got there first and nothing was written. Failures (I/O, lost connection: outcome unknown)
 * throw {@link StoreException}. {@link #delete} removes the record, so the next upsert expects
 * revision 0. All methods are safe to call from many threads.
 */
public interface DurableStateStore {

    /** The stored state of the process, if any. */
    Optional<DurableStateRecord> load(String persistenceId);

    /**
     * Stores {@code payload} as revision {@code expectedRevision + 1} if the stored revision is
     * {@code expectedRevision}.
     *
     * @return whether it was written; {@code false} on a revision conflict
     * @throws IllegalArgumentException if the store refuses the payload before writing (a
     *     {@link Payload.Reference} in a store that does not accept references, an over-size payload)
     */
    boolean upsert(String persistenceId, long expectedRevision, Payload payload);

    /** Deletes the stored state of the process, if any. */
    void delete(String persistenceId);
}
