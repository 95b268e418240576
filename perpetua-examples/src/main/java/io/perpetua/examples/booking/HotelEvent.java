package io.perpetua.examples.booking;

import java.time.LocalDate;

/** What happened at a hotel: the facts its journal keeps. */
public sealed interface HotelEvent {

    /** {@code room} was booked for {@code guest} from {@code checkIn} to {@code checkOut}. */
    record RoomBooked(String bookingId, String guest, int room, LocalDate checkIn, LocalDate checkOut)
            implements HotelEvent {

        /** The booking this event made. */
        public Booking booking() {
            return new Booking(bookingId, guest, room, new Stay(checkIn, checkOut));
        }
    }

    /** The booking {@code bookingId} was cancelled; its nights are free again. */
    record BookingCancelled(String bookingId) implements HotelEvent {}
}
