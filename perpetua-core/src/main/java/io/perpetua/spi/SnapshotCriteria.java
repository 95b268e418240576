package io.perpetua.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Selects snapshots of one process by inclusive bounds on sequence number and timestamp.
 *
 * @param maxSequenceNr highest sequence number selected
 * @param maxTimestamp latest timestamp selected
 * @param minSequenceNr lowest sequence number selected
 * @param minTimestamp earliest timestamp selected
 */
public record SnapshotCriteria(long maxSequenceNr, Instant maxTimestamp, long minSequenceNr, Instant minTimestamp) {
    public SnapshotCriteria {
        Objects.requireNonNull(maxTimestamp, "maxTimestamp");
        Objects.requireNonNull(minTimestamp, "minTimestamp");
        if (minSequenceNr < 0) throw new IllegalArgumentException("minSequenceNr must be >= 0, was " + minSequenceNr);
    }

    /** Every snapshot. */
    public static SnapshotCriteria latest() {
        return new SnapshotCriteria(Long.MAX_VALUE, Instant.MAX, 0, Instant.MIN);
    }

    /** Snapshots with {@code sequenceNr <= maxSequenceNr}. */
    public static SnapshotCriteria upTo(long maxSequenceNr) {
        return new SnapshotCriteria(maxSequenceNr, Instant.MAX, 0, Instant.MIN);
    }

    /** Snapshots taken at or before {@code maxTimestamp}. */
    public static SnapshotCriteria takenAtOrBefore(Instant maxTimestamp) {
        return new SnapshotCriteria(Long.MAX_VALUE, maxTimestamp, 0, Instant.MIN);
    }

    /** These criteria narrowed to {@code sequenceNr >= minSequenceNr}. */
    public SnapshotCriteria withMinSequenceNr(long min) {
        return new SnapshotCriteria(maxSequenceNr, maxTimestamp, min, minTimestamp);
    }

    /** These criteria narrowed to {@code timestamp >= minTimestamp}. */
    public SnapshotCriteria withMinTimestamp(Instant min) {
        return new SnapshotCriteria(maxSequenceNr, maxTimestamp, minSequenceNr, min);
    }

    /** Whether a snapshot at {@code sequenceNr} taken at {@code timestamp} is selected. */
    public boolean matches(long sequenceNr, Instant timestamp) {
        return sequenceNr <= maxSequenceNr && sequenceNr >= minSequenceNr
                && !timestamp.isAfter(maxTimestamp) && !timestamp.isBefore(minTimestamp);
    }
}
