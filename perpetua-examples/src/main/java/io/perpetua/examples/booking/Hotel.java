package io.perpetua.examples.booking;

import io.perpetua.Context;
import io.perpetua.Perpetua;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.examples.booking.HotelCommand.Availability;
import io.perpetua.examples.booking.HotelCommand.Book;
import io.perpetua.examples.booking.HotelCommand.Cancel;
import io.perpetua.examples.booking.HotelCommand.ListBookings;
import io.perpetua.examples.booking.HotelEvent.BookingCancelled;
import io.perpetua.examples.booking.HotelEvent.RoomBooked;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A hotel as a persistent process, in the process form: one process per hotel, handling one call
 * at a time, so two guests can never be given the same room on the same night.
 *
 * <p>A booking is checked against the current state, then recorded with {@link Context#persist},
 * which returns once the event is durable and applied; only then does the guest get the reply. A
 * refused booking throws from the handler: the caller gets the exception and nothing is recorded.
 * The state changes only in {@link #apply}, which is pure, so the same code rebuilds a hotel from
 * its snapshot and journal after a restart.
 *
 * <p>The rooms are configuration, not state: {@link #Hotel()} has {@link #DEFAULT_ROOMS}.
 */
public final class Hotel implements PersistentProcess<HotelCommand, HotelState, HotelEvent> {

    /** The rooms of a hotel made by {@link #Hotel()}. */
    public static final List<Integer> DEFAULT_ROOMS = List.of(101, 102, 103);

    /** How many events a hotel records between two automatic snapshots. Small, so that the examples show one. */
    public static final int SNAPSHOT_EVERY = 3;

    /** The process type of hotels, one process per hotel, with a snapshot every {@link #SNAPSHOT_EVERY} events. */
    public static final ProcessType<HotelCommand, HotelState, HotelEvent> HOTELS =
            ProcessType.of("hotel", Hotel::new).withSnapshotEvery(SNAPSHOT_EVERY);

    private final SortedSet<Integer> rooms;

    /** A hotel with the {@link #DEFAULT_ROOMS}. */
    public Hotel() {
        this(DEFAULT_ROOMS);
    }

    /** A hotel with these room numbers. */
    public Hotel(Collection<Integer> rooms) {
        Objects.requireNonNull(rooms, "rooms");
        if (rooms.isEmpty()) throw new IllegalArgumentException("a hotel needs at least one room");
        this.rooms = new TreeSet<>(rooms);
    }

    @Override
    public HotelState initialState() {
        return HotelState.EMPTY;
    }

    @Override
    public HotelState apply(HotelState state, HotelEvent event) {
        return switch (event) {
            case RoomBooked booked -> state.with(booked.booking());
            case BookingCancelled cancelled -> state.without(cancelled.bookingId());
        };
    }

    @Override
    public void handleCall(HotelCommand command, Context<HotelState, HotelEvent> ctx) {
        switch (command) {
            case Book book -> book(book, ctx);
            case Cancel cancel -> {
                Booking booking = ctx.state().bookings().get(cancel.bookingId());
                if (booking == null) throw new UnknownBooking(cancel.bookingId());
                ctx.persist(new BookingCancelled(booking.id()));
                ctx.reply(booking);
            }
            case Availability availability -> ctx.reply(freeRooms(ctx.state(), availability.night()));
            case ListBookings list -> ctx.reply(ctx.state().bookingsInOrder());
        }
    }

    private void book(Book book, Context<HotelState, HotelEvent> ctx) {
        if (!rooms.contains(book.room())) {
            throw new IllegalArgumentException("this hotel has no room " + book.room() + "; its rooms are " + rooms);
        }
        HotelState state = ctx.state();
        for (LocalDate night : book.stay().nights()) {
            String holder = state.holderOf(book.room(), night).orElse(null);
            if (holder != null) throw new RoomUnavailable(book.room(), night, holder);
        }
        RoomBooked booked = new RoomBooked(state.nextBookingId(), book.guest(), book.room(), book.stay().checkIn(),
                book.stay().checkOut());
        ctx.persist(booked);
        ctx.reply(booked.booking());
    }

    private List<Integer> freeRooms(HotelState state, LocalDate night) {
        return rooms.stream().filter(room -> !state.isTaken(room, night)).toList();
    }

    /**
     * Books two rooms, is refused a third booking of a taken room, then stops the hotel and starts it
     * again to show that its bookings come back from the snapshot and the journal.
     *
     * @param args an optional store URI; {@code memory:} by default
     */
    public static void main(String[] args) {
        String storeUri = args.length > 0 ? args[0] : "memory:";
        LocalDate may1 = LocalDate.of(2025, 5, 1);
        try (Perpetua perpetua = Perpetua.open(storeUri)) {
            ProcessRef<HotelCommand> hotel = perpetua.start(HOTELS, "hotel-seaview");
            Booking alice = hotel.call(new Book("Alice", 101, Stay.of(may1, 3)));
            System.out.println("booked   " + alice);
            Booking bob = hotel.call(new Book("Bob", 102, Stay.of(may1.plusDays(1), 2)));
            System.out.println("booked   " + bob);
            try {
                hotel.call(new Book("Carol", 101, Stay.of(may1.plusDays(2), 2)));
            } catch (RoomUnavailable refused) {
                System.out.println("refused  " + refused.getMessage());
            }
            List<Integer> free = hotel.call(new Availability(may1.plusDays(1)));
            System.out.println("free on " + may1.plusDays(1) + ": " + free);

            hotel.stop();
            hotel = perpetua.start(HOTELS, "hotel-seaview");
            List<Booking> bookings = hotel.call(new ListBookings());
            System.out.println("after a restart: " + bookings);
        }
    }
}
