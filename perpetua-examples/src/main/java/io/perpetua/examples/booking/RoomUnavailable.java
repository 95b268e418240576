package io.perpetua.examples.booking;

import java.time.LocalDate;

/** A booking was refused because the room is already taken on one of the nights asked for. Nothing was recorded. */
public final class RoomUnavailable extends RuntimeException {

    private final int room;
    private final LocalDate night;
    private final String heldBy;

    public RoomUnavailable(int room, LocalDate night, String heldBy) {
        super("room " + room + " is not free on the night of " + night + " (held by booking " + heldBy + ")");
        this.room = room;
        this.night = night;
        this.heldBy = heldBy;
    }

    /** The room asked for. */
    public int room() {
        return room;
    }

    /** The first night on which the room is taken. */
    public LocalDate night() {
        return night;
    }

    /** The id of the booking that holds the room that night. */
    public String heldBy() {
        return heldBy;
    }
}
