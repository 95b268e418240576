package io.perpetua.examples.readside;

import io.perpetua.PersistedEvent;
import io.perpetua.examples.booking.HotelEvent;
import io.perpetua.examples.booking.Stay;
import io.perpetua.query.Projection;
import io.perpetua.query.ProjectionHandler;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many rooms are booked on each night, per hotel and over all hotels: the occupancy report a
 * hotel manager reads, built by a projection over the hotels' events.
 *
 * <p>A cancellation names only the booking, so the read model keeps the stay of each live booking
 * to know which nights to free. It applies each hotel's events once, in order, by remembering the
 * last sequence number applied per hotel (delivery is at least once). Kept in memory here; a real
 * read model would keep a table of (hotel, night, rooms). Thread-safe.
 */
public final class RoomsBookedPerDay implements ProjectionHandler {

    /** The name of the projection, and of its checkpoint. */
    public static final String NAME = "rooms-booked-per-day";

    private final Map<String, Long> appliedUpTo = new HashMap<>();
    private final Map<String, Stay> bookings = new HashMap<>(); // (hotel + booking id) -> stay
    private final Map<String, TreeMap<LocalDate, Integer>> perHotel = new HashMap<>();

    /** The projection: hotel events only, from the origin, checkpointed every 100 events. */
    public Projection projection() {
        return Projection.of(NAME, this).withEventTypes(HotelEvent.class).checkpointAfterEachBatch(100);
    }

    @Override
    public synchronized void handle(PersistedEvent e) {
        String hotel = e.persistenceId();
        if (e.sequenceNr() <= appliedUpTo.getOrDefault(hotel, 0L)) return;
        switch ((HotelEvent) e.event()) {
            case HotelEvent.RoomBooked b -> {
                Stay stay = new Stay(b.checkIn(), b.checkOut());
                bookings.put(hotel + "/" + b.bookingId(), stay);
                count(hotel, stay, +1);
            }
            case HotelEvent.BookingCancelled c -> {
                Stay stay = bookings.remove(hotel + "/" + c.bookingId());
                if (stay != null) count(hotel, stay, -1);
            }
        }
        appliedUpTo.put(hotel, e.sequenceNr());
    }

    private void count(String hotel, Stay stay, int change) {
        TreeMap<LocalDate, Integer> nights = perHotel.computeIfAbsent(hotel, h -> new TreeMap<>());
        for (LocalDate night : stay.nights()) {
            int rooms = nights.getOrDefault(night, 0) + change;
            if (rooms == 0) nights.remove(night);
            else nights.put(night, rooms);
        }
    }

    /** Rooms booked per night at {@code hotel}, nights without bookings left out. */
    public synchronized Map<LocalDate, Integer> roomsBooked(String hotel) {
        return new TreeMap<>(perHotel.getOrDefault(hotel, new TreeMap<>()));
    }

    /** Rooms booked per night over all hotels. */
    public synchronized Map<LocalDate, Integer> roomsBooked() {
        Map<LocalDate, Integer> total = new TreeMap<>();
        perHotel.values().forEach(nights -> nights.forEach((night, rooms) -> total.merge(night, rooms, Integer::sum)));
        return total;
    }
}
