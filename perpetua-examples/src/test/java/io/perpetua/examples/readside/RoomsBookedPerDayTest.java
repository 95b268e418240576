package io.perpetua.examples.readside;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.Bank;
import io.perpetua.examples.booking.Booking;
import io.perpetua.examples.booking.Hotel;
import io.perpetua.examples.booking.HotelCommand;
import io.perpetua.examples.booking.HotelCommand.Book;
import io.perpetua.examples.booking.HotelCommand.Cancel;
import io.perpetua.examples.booking.Stay;
import io.perpetua.query.EventQueries;
import io.perpetua.query.ProjectionResult;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RoomsBookedPerDayTest {

    private static final LocalDate MAY_1 = LocalDate.of(2025, 5, 1);
    private static final LocalDate MAY_2 = MAY_1.plusDays(1);
    private static final LocalDate MAY_3 = MAY_1.plusDays(2);

    private final Perpetua perpetua = Perpetua.open("memory:");
    private final EventQueries queries = EventQueries.of(perpetua.store());
    private final RoomsBookedPerDay report = new RoomsBookedPerDay();

    @AfterEach
    void close() {
        perpetua.close();
    }

    private ProcessRef<HotelCommand> hotel(String id) {
        return perpetua.start(Hotel.HOTELS, id);
    }

    @Test
    void counts_the_rooms_booked_on_each_night_per_hotel_and_in_total() {
        hotel("hotel-a").call(new Book("Alice", 101, Stay.of(MAY_1, 2)));
        hotel("hotel-a").call(new Book("Bob", 102, Stay.of(MAY_2, 2)));
        hotel("hotel-b").call(new Book("Carol", 101, Stay.of(MAY_1, 1)));

        queries.runOnce(report.projection());

        assertThat(report.roomsBooked("hotel-a")).isEqualTo(Map.of(MAY_1, 1, MAY_2, 2, MAY_3, 1));
        assertThat(report.roomsBooked("hotel-b")).isEqualTo(Map.of(MAY_1, 1));
        assertThat(report.roomsBooked()).isEqualTo(Map.of(MAY_1, 2, MAY_2, 2, MAY_3, 1));
    }

    @Test
    void a_cancellation_frees_the_nights_of_its_booking() {
        Booking alice = hotel("hotel-a").call(new Book("Alice", 101, Stay.of(MAY_1, 2)));
        hotel("hotel-a").call(new Book("Bob", 102, Stay.of(MAY_2, 1)));
        queries.runOnce(report.projection());
        hotel("hotel-a").call(new Cancel(alice.id()));

        queries.runOnce(report.projection());

        assertThat(report.roomsBooked("hotel-a")).isEqualTo(Map.of(MAY_2, 1));
    }

    @Test
    void events_of_other_processes_are_filtered_out() {
        perpetua.start(Bank.ACCOUNTS, "account-1").call(new Deposit(100));
        hotel("hotel-a").call(new Book("Alice", 101, Stay.of(MAY_1, 1)));

        ProjectionResult result = queries.runOnce(report.projection());

        assertThat(result.handled()).isEqualTo(1);
        assertThat(result.filteredOut()).isEqualTo(1);
        assertThat(report.roomsBooked()).isEqualTo(Map.of(MAY_1, 1));
    }
}
