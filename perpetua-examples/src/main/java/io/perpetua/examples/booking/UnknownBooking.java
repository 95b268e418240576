package io.perpetua.examples.booking;

/** A cancellation named a booking the hotel does not hold (never made, or already cancelled). Nothing was recorded. */
public final class UnknownBooking extends RuntimeException {

    private final String bookingId;

    public UnknownBooking(String bookingId) {
        super("no booking '" + bookingId + "' is held by this hotel");
        this.bookingId = bookingId;
    }

    /** The id that was not found. */
    public String bookingId() {
        return bookingId;
    }
}
