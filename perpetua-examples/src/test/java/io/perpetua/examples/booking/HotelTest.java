package io.perpetua.examples.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.examples.booking.HotelCommand.Availability;
import io.perpetua.examples.booking.HotelCommand.Book;
import io.perpetua.examples.booking.HotelCommand.Cancel;
import io.perpetua.examples.booking.HotelCommand.ListBookings;
import io.perpetua.examples.booking.HotelEvent.BookingCancelled;
import io.perpetua.examples.booking.HotelEvent.RoomBooked;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.StoredEvent;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A hotel running as a persistent process on a memory store. */
class HotelTest {

    private static final LocalDate MAY_1 = LocalDate.of(2025, 5, 1);

    private final Perpetua perpetua = Perpetua.open("memory:");
    private final String id = "hotel-" + UUID.randomUUID();

    @AfterEach
    void close() {
        perpetua.close();
    }

    private ProcessRef<HotelCommand> hotel() {
        return perpetua.start(Hotel.HOTELS, id);
    }

    private static Stay nights(int firstDay, int nights) {
        return Stay.of(MAY_1.plusDays(firstDay - 1), nights);
    }

    private static List<Integer> freeRooms(ProcessRef<HotelCommand> hotel, LocalDate night) {
        return hotel.call(new Availability(night));
    }

    private static List<Booking> bookings(ProcessRef<HotelCommand> hotel) {
        return hotel.call(new ListBookings());
    }

    private long journalLength() {
        return perpetua.store().journal().highestSequenceNr(id);
    }

    private Optional<SnapshotRecord> latestSnapshot() {
        return perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.latest());
    }

    private List<Object> journal() {
        return perpetua.store().journal().read(id, 1, Long.MAX_VALUE, 1000).stream()
                .map(StoredEvent::payload)
                .map(p -> ((Payload.Reference) p).value())
                .toList();
    }

    @Test
    void a_booking_replies_with_the_booking_and_records_room_booked() {
        Booking booking = hotel().call(new Book("Alice", 101, nights(1, 3)));

        assertThat(booking).isEqualTo(new Booking("B-1", "Alice", 101, nights(1, 3)));
        assertThat(journal()).containsExactly(new RoomBooked("B-1", "Alice", 101, MAY_1, MAY_1.plusDays(3)));
    }

    @Test
    void availability_lists_the_rooms_free_on_a_night() {
        ProcessRef<HotelCommand> hotel = hotel();
        hotel.call(new Book("Alice", 101, nights(1, 3)));
        hotel.call(new Book("Bob", 103, nights(3, 1)));

        assertThat(freeRooms(hotel, MAY_1)).containsExactly(102, 103);
        assertThat(freeRooms(hotel, MAY_1.plusDays(2))).containsExactly(102);
        assertThat(freeRooms(hotel, MAY_1.plusDays(3))).as("the check-out day is free")
                .containsExactly(101, 102, 103);
    }

    @Test
    void booking_a_room_taken_on_any_night_is_rejected_and_nothing_is_recorded() {
        ProcessRef<HotelCommand> hotel = hotel();
        hotel.call(new Book("Alice", 101, nights(1, 3)));
        List<Booking> before = hotel.call(new ListBookings());

        assertThatThrownBy(() -> hotel.call(new Book("Bob", 101, nights(3, 2))))
                .isInstanceOfSatisfying(RoomUnavailable.class, e -> {
                    assertThat(e.room()).isEqualTo(101);
                    assertThat(e.night()).isEqualTo(MAY_1.plusDays(2));
                    assertThat(e.heldBy()).isEqualTo("B-1");
                });

        assertThat(journalLength()).isEqualTo(1);
        assertThat(bookings(hotel)).isEqualTo(before);
    }

    @Test
    void a_stay_may_start_on_the_day_another_one_ends() {
        ProcessRef<HotelCommand> hotel = hotel();
        hotel.call(new Book("Alice", 101, nights(1, 3)));

        Booking next = hotel.call(new Book("Bob", 101, nights(4, 2)));

        assertThat(next.id()).isEqualTo("B-2");
    }

    @Test
    void booking_a_room_the_hotel_does_not_have_is_rejected() {
        assertThatThrownBy(() -> hotel().call(new Book("Alice", 999, nights(1, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no room 999");
        assertThat(journalLength()).isZero();
    }

    @Test
    void cancelling_frees_the_nights_and_records_booking_cancelled() {
        ProcessRef<HotelCommand> hotel = hotel();
        Booking alice = hotel.call(new Book("Alice", 101, nights(1, 3)));

        Booking cancelled = hotel.call(new Cancel(alice.id()));

        assertThat(cancelled).isEqualTo(alice);
        assertThat(journal()).last().isEqualTo(new BookingCancelled("B-1"));
        assertThat(freeRooms(hotel, MAY_1)).contains(101);
        assertThat(bookings(hotel)).isEmpty();
        Booking bob = hotel.call(new Book("Bob", 101, nights(1, 3)));
        assertThat(bob.id()).as("booking ids are never reused").isEqualTo("B-2");
    }

    @Test
    void cancelling_an_unknown_or_already_cancelled_booking_is_rejected() {
        ProcessRef<HotelCommand> hotel = hotel();
        Booking alice = hotel.call(new Book("Alice", 101, nights(1, 3)));
        hotel.call(new Cancel(alice.id()));

        assertThatThrownBy(() -> hotel.call(new Cancel(alice.id()))).isInstanceOf(UnknownBooking.class);
        assertThatThrownBy(() -> hotel.call(new Cancel("B-99"))).isInstanceOf(UnknownBooking.class);
        assertThat(journalLength()).isEqualTo(2);
    }

    @Test
    void a_snapshot_is_saved_every_n_events() {
        ProcessRef<HotelCommand> hotel = hotel();
        int n = Hotel.HOTELS.snapshotEvery();
        for (int i = 1; i < n; i++) hotel.call(new Book("Guest " + i, 101, nights(i, 1)));
        assertThat(latestSnapshot()).isEmpty();

        hotel.call(new Book("Guest " + n, 101, nights(n, 1)));

        SnapshotRecord snapshot = latestSnapshot().orElseThrow();
        assertThat(snapshot.sequenceNr()).isEqualTo(n);
        HotelState state = (HotelState) ((Payload.Reference) snapshot.payload()).value();
        assertThat(state.bookings()).hasSize(n);

        for (int i = n + 1; i <= 2 * n; i++) hotel.call(new Book("Guest " + i, 102, nights(i, 1)));
        assertThat(latestSnapshot().orElseThrow().sequenceNr()).isEqualTo(2L * n);
    }

    @Test
    void a_restarted_hotel_has_the_same_state_from_its_snapshot_and_the_events_after_it() {
        ProcessRef<HotelCommand> hotel = hotel();
        hotel.call(new Book("Alice", 101, nights(1, 3)));
        hotel.call(new Book("Bob", 102, nights(2, 3)));
        hotel.call(new Book("Carol", 103, nights(3, 3)));
        hotel.call(new Cancel("B-1"));
        hotel.call(new Book("Dave", 101, nights(3, 2)));
        List<Booking> before = hotel.call(new ListBookings());
        HotelState stateBefore = perpetua.readState(Hotel.HOTELS, id).state();
        assertThat(latestSnapshot().orElseThrow().sequenceNr()).isEqualTo(3);

        hotel.stop();
        ProcessRef<HotelCommand> restarted = hotel();

        assertThat(bookings(restarted)).isEqualTo(before);
        assertThat(freeRooms(restarted, MAY_1.plusDays(3))).isEmpty();
        assertThat(perpetua.readState(Hotel.HOTELS, id).state()).isEqualTo(stateBefore);
        Booking next = restarted.call(new Book("Erin", 102, nights(10, 1)));
        assertThat(next.id()).isEqualTo("B-5");
    }

    @Test
    void recovery_starts_from_the_snapshot_when_the_events_it_covers_are_gone() {
        ProcessType<HotelCommand, HotelState, HotelEvent> type =
                Hotel.HOTELS.withSnapshotRetention(1).withDeleteEventsOnSnapshot(true);
        ProcessRef<HotelCommand> hotel = perpetua.start(type, id);
        hotel.call(new Book("Alice", 101, nights(1, 3)));
        hotel.call(new Book("Bob", 102, nights(2, 3)));
        hotel.call(new Book("Carol", 103, nights(3, 3)));
        hotel.call(new Cancel("B-1"));
        List<Booking> before = hotel.call(new ListBookings());
        assertThat(journal()).as("only the event after the snapshot is left").containsExactly(new BookingCancelled("B-1"));

        hotel.stop();
        List<Booking> recovered = perpetua.start(type, id).call(new ListBookings());

        assertThat(recovered).isEqualTo(before).extracting(Booking::guest).containsExactly("Bob", "Carol");
    }

    @Test
    void apply_is_pure_and_leaves_the_old_state_unchanged() {
        Hotel hotel = new Hotel();
        RoomBooked booked = new RoomBooked("B-1", "Alice", 101, MAY_1, MAY_1.plusDays(2));

        HotelState after = hotel.apply(HotelState.EMPTY, booked);

        assertThat(HotelState.EMPTY.bookings()).isEmpty();
        assertThat(after).isEqualTo(hotel.apply(HotelState.EMPTY, booked));
        assertThat(after.holderOf(101, MAY_1.plusDays(1))).contains("B-1");
        assertThat(hotel.apply(after, new BookingCancelled("B-1")).occupancy()).isEmpty();
    }

    @Test
    void the_example_program_runs_on_a_memory_store() {
        Hotel.main(new String[] {"memory:"});
    }
}
