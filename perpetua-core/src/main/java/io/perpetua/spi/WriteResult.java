package io.perpetua.spi;

import java.util.Arrays;

/** The outcome of one {@link AtomicWrite}, in the order the writes were given. */
public sealed interface WriteResult {

    /**
     * All events were written and are visible to every read that starts after the append returns.
     *
     * @param firstSequenceNr the sequence number of the first event; the others follow contiguously
     * @param globalPositions the global position of each event, in order, strictly increasing
     */
    record Written(long firstSequenceNr, long[] globalPositions) implements WriteResult {
        @Override
        public boolean equals(Object o) {
            return o instanceof Written w
                    && firstSequenceNr == w.firstSequenceNr
                    && Arrays.equals(globalPositions, w.globalPositions);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(firstSequenceNr) * 31 + Arrays.hashCode(globalPositions);
        }

        @Override
        public String toString() {
            return "Written[first=" + firstSequenceNr + ", positions=" + Arrays.toString(globalPositions) + "]";
        }
    }

    /**
     * Nothing was written because the stream's highest sequence number did not match.
     *
     * @param expected what the writer expected
     * @param actual the stream's highest sequence number when the store checked
     */
    record Conflict(ExpectedSequence expected, long actual) implements WriteResult {}

    /**
     * Nothing was written because the store refused the write before writing, for a reason that
     * retrying will not fix (too large, unsupported payload, invalid tag).
     *
     * @param reason says what was refused and why
     */
    record Rejected(String reason) implements WriteResult {}
}
