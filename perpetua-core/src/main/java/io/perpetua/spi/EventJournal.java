package io.perpetua.spi;

import java.time.Duration;
import java.util.List;

/**
 * The append-only log of events, one stream per persistence id, plus a global order over all streams.
 *
 * <p><b>Writes.</b> {@link #append} takes the writes of many processes at once (group commit). Each
 * {@link AtomicWrite} is all-or-nothing, including after a crash. Each gets its own
 * {@link WriteResult}: a conflict or rejection of one write does not affect the others. A write that
 * returns {@link WriteResult.Written} is durable per the store's durability setting and visible to
 * every read that starts after {@code append} returns. If the outcome of any write is unknown the
 * whole call throws {@link StoreException}; the caller must then assume any of the writes may or may
 * not be present.
 *
 * <p><b>Sequence numbers</b> start at 1 and are contiguous per stream. {@link #deleteUpTo} removes a
 * prefix of a stream from every read but never lowers {@link #highestSequenceNr}: new events continue
 * after the highest number ever written.
 *
 * <p><b>Global positions</b> start at 1, are unique, and increase in the order events become
 * visible: once a reader has seen position {@code p}, no event with a lower position appears later.
 * They need not be contiguous.
 *
 * <p><b>Reads</b> return at most {@code max} events in ascending order, and an empty list past the
 * end. They never see part of an atomic write. Reads of deleted events return nothing. All methods
 * are safe to call from many threads.
 */
public interface EventJournal {

    /**
     * Appends the writes, each atomically, and returns one result per write in the same order. The
     * writes take effect as if applied one after another in list order: a later write to the same
     * stream is checked against the sequence numbers of the earlier ones, and a later write's events
     * get higher global positions.
     *
     * @throws StoreException if the outcome of any write is unknown
     */
    List<WriteResult> append(List<AtomicWrite> writes);

    /**
     * Reads events of one stream with {@code fromSequenceNr <= sequenceNr <= toSequenceNr}, at most
     * {@code max} of them. An empty range, {@code max == 0} or an unknown id give an empty list.
     *
     * @throws IllegalArgumentException if {@code max < 0}
     */
    List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max);

    /** The highest sequence number ever written to the stream, 0 if none; not lowered by deletes. */
    long highestSequenceNr(String persistenceId);

    /**
     * Deletes the events of one stream with {@code sequenceNr <= toSequenceNr}; deleting beyond the
     * highest deletes all. Idempotent. The highest sequence number stays.
     */
    void deleteUpTo(String persistenceId, long toSequenceNr);

    /**
     * Reads events of all streams with {@code globalPosition >= fromPosition}, at most {@code max}.
     *
     * @throws IllegalArgumentException if {@code max < 0}
     */
    List<StoredEvent> readAll(long fromPosition, int max);

    /**
     * Reads events carrying {@code tag} with {@code globalPosition >= fromPosition}, at most {@code max}.
     *
     * @throws IllegalArgumentException if {@code max < 0}
     */
    List<StoredEvent> readByTag(String tag, long fromPosition, int max);

    /**
     * Lists persistence ids that have ever had an event, in ascending order of Unicode code points,
     * strictly after {@code afterId} ({@code ""} for the first page), at most {@code max}. Code point
     * order is the order of the ids' UTF-8 bytes (a bytewise key order, or a {@code "C"} collation);
     * it differs from {@link String#compareTo} for characters outside the Basic Multilingual Plane.
     *
     * @throws IllegalArgumentException if {@code max < 0}
     */
    List<String> persistenceIds(String afterId, int max);

    /** The highest global position visible now, 0 if the journal is empty. */
    long highestGlobalPosition();

    /**
     * Blocks until an event with a global position above {@code afterPosition} is visible or the
     * timeout passes, and returns {@link #highestGlobalPosition()}. Live readers use it instead of
     * polling; a return at or below {@code afterPosition} means the timeout passed.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException;
}
