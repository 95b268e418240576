package io.perpetua.examples.booking;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a hotel knows: its current bookings, which room each booking holds on each night, and how
 * many bookings it has ever made (so that booking ids are never reused). Immutable: every change
 * returns a new state, and the maps are unmodifiable copies, so a state can be kept as a snapshot
 * while the process moves on.
 *
 * @param bookings the current bookings by id
 * @param occupancy for each night with a booking, the room numbers taken and the booking holding each
 * @param bookingsMade how many bookings were ever made, cancelled ones included
 */
public record HotelState(Map<String, Booking> bookings, Map<LocalDate, Map<Integer, String>> occupancy,
        int bookingsMade) {

    /** A hotel with no bookings. */
    public static final HotelState EMPTY = new HotelState(Map.of(), Map.of(), 0);

    public HotelState {
        bookings = Map.copyOf(bookings);
        Map<LocalDate, Map<Integer, String>> nights = new HashMap<>();
        occupancy.forEach((night, rooms) -> nights.put(night, Map.copyOf(rooms)));
        occupancy = Map.copyOf(nights);
        if (bookingsMade < 0) throw new IllegalArgumentException("bookingsMade must be >= 0, was " + bookingsMade);
    }

    /** The id the next booking gets. */
    public String nextBookingId() {
        return "B-" + (bookingsMade + 1);
    }

    /** The booking holding {@code room} on the night of {@code night}, if any. */
    public Optional<String> holderOf(int room, LocalDate night) {
        return Optional.ofNullable(occupancy.getOrDefault(night, Map.of()).get(room));
    }

    /** Whether {@code room} is held by some booking on the night of {@code night}. */
    public boolean isTaken(int room, LocalDate night) {
        return holderOf(room, night).isPresent();
    }

    /** The current bookings ordered by check-in, then room. */
    public List<Booking> bookingsInOrder() {
        return bookings.values().stream()
                .sorted(Comparator.comparing((Booking b) -> b.stay().checkIn()).thenComparingInt(Booking::room))
                .toList();
    }

    /** This state with {@code booking} added; it counts as a new booking. */
    public HotelState with(Booking booking) {
        Map<String, Booking> nextBookings = new HashMap<>(bookings);
        nextBookings.put(booking.id(), booking);
        Map<LocalDate, Map<Integer, String>> nextOccupancy = new HashMap<>(occupancy);
        for (LocalDate night : booking.stay().nights()) {
            Map<Integer, String> rooms = new HashMap<>(nextOccupancy.getOrDefault(night, Map.of()));
            rooms.put(booking.room(), booking.id());
            nextOccupancy.put(night, rooms);
        }
        return new HotelState(nextBookings, nextOccupancy, bookingsMade + 1);
    }

    /** This state without the booking {@code bookingId}; the same state if there is no such booking. */
    public HotelState without(String bookingId) {
        Booking booking = bookings.get(bookingId);
        if (booking == null) return this;
        Map<String, Booking> nextBookings = new HashMap<>(bookings);
        nextBookings.remove(bookingId);
        Map<LocalDate, Map<Integer, String>> nextOccupancy = new HashMap<>(occupancy);
        for (LocalDate night : booking.stay().nights()) {
            Map<Integer, String> rooms = new HashMap<>(nextOccupancy.getOrDefault(night, Map.of()));
            rooms.remove(booking.room(), bookingId);
            if (rooms.isEmpty()) nextOccupancy.remove(night);
            else nextOccupancy.put(night, rooms);
        }
        return new HotelState(nextBookings, nextOccupancy, bookingsMade);
    }
}
