package io.perpetua.examples.booking;

import java.time.LocalDate;
import java.util.Objects;

/** The calls a {@link Hotel} answers. Each is a call: the reply is named on each record. */
public sealed interface HotelCommand {

    /**
     * Books {@code room} for {@code guest} for every night of {@code stay}. Replies with the new
     * {@link Booking}; fails with {@link RoomUnavailable} if the room is taken on any of those nights.
     */
    record Book(String guest, int room, Stay stay) implements HotelCommand {
        public Book {
            if (guest == null || guest.isBlank()) throw new IllegalArgumentException("a booking needs a guest name");
            Objects.requireNonNull(stay, "stay");
        }
    }

    /** Cancels a booking and frees its nights. Replies with the cancelled {@link Booking}; fails with {@link UnknownBooking}. */
    record Cancel(String bookingId) implements HotelCommand {
        public Cancel {
            Objects.requireNonNull(bookingId, "bookingId");
        }
    }

    /** Replies with the rooms free on the night of {@code night}, as a sorted {@code List<Integer>}. */
    record Availability(LocalDate night) implements HotelCommand {
        public Availability {
            Objects.requireNonNull(night, "night");
        }
    }

    /** Replies with every current booking, as a {@code List<Booking>} ordered by check-in and room. */
    record ListBookings() implements HotelCommand {}
}
