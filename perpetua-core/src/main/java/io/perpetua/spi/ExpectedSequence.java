package io.perpetua.spi;

/**
 * What the writer believes is the highest sequence number of a stream when it appends:
 * {@link #any()} (no check), {@link #none()} (the stream has never had an event) or
 * {@link #exactly(long)}. A mismatch makes the append a {@link WriteResult.Conflict}.
 */
public sealed interface ExpectedSequence {

    /** Append whatever the current highest sequence number is. */
    static ExpectedSequence any() {
        return Any.INSTANCE;
    }

    /** Append only if the stream has never had an event (its highest sequence number is 0). */
    static ExpectedSequence none() {
        return Exactly.ZERO;
    }

    /** Append only if the highest sequence number is exactly {@code sequenceNr}. */
    static ExpectedSequence exactly(long sequenceNr) {
        return sequenceNr == 0 ? Exactly.ZERO : new Exactly(sequenceNr);
    }

    /** Whether a stream whose highest sequence number is {@code highest} satisfies this expectation. */
    boolean matches(long highest);

    /** No expectation. */
    enum Any implements ExpectedSequence {
        INSTANCE;

        @Override
        public boolean matches(long highest) {
            return true;
        }

        @Override
        public String toString() {
            return "any";
        }
    }

    /** The highest sequence number must equal {@code sequenceNr} (0 means "no events yet"). */
    record Exactly(long sequenceNr) implements ExpectedSequence {
        static final Exactly ZERO = new Exactly(0);

        public Exactly {
            if (sequenceNr < 0) {
                throw new IllegalArgumentException("expected sequence number must be >= 0, was " + sequenceNr);
            }
        }

        @Override
        public boolean matches(long highest) {
            return highest == sequenceNr;
        }

        @Override
        public String toString() {
            return sequenceNr == 0 ? "none" : Long.toString(sequenceNr);
        }
    }
}
