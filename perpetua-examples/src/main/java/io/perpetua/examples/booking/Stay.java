package io.perpetua.examples.booking;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * The nights of a hotel stay: from the night of {@code checkIn} up to, not including, the night of
 * {@code checkOut}.
 *
 * @param checkIn the day of arrival, the first night booked
 * @param checkOut the day of departure, after the last night booked
 */
public record Stay(LocalDate checkIn, LocalDate checkOut) {

    /** The longest stay a single booking may cover. */
    public static final int MAX_NIGHTS = 365;

    public Stay {
        Objects.requireNonNull(checkIn, "checkIn");
        Objects.requireNonNull(checkOut, "checkOut");
        if (!checkOut.isAfter(checkIn)) {
            throw new IllegalArgumentException("a stay must end after it starts: check-in " + checkIn + ", check-out "
                    + checkOut);
        }
        long nights = ChronoUnit.DAYS.between(checkIn, checkOut);
        if (nights > MAX_NIGHTS) {
            throw new IllegalArgumentException("a stay is at most " + MAX_NIGHTS + " nights, was " + nights);
        }
    }

    /** The stay of {@code nights} nights starting on {@code checkIn}. */
    public static Stay of(LocalDate checkIn, int nights) {
        return new Stay(checkIn, checkIn.plusDays(nights));
    }

    /** Each night of the stay, in order. */
    public List<LocalDate> nights() {
        return checkIn.datesUntil(checkOut).toList();
    }

    @Override
    public String toString() {
        return checkIn + " to " + checkOut;
    }
}
