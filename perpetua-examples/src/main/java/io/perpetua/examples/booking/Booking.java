package io.perpetua.examples.booking;

import java.util.Objects;

/**
 * A room held for a guest.
 *
 * @param id the booking's id within its hotel, never reused
 * @param guest who the room is for
 * @param room the room number
 * @param stay the nights booked
 */
public record Booking(String id, String guest, int room, Stay stay) {
    public Booking {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(stay, "stay");
    }
}
