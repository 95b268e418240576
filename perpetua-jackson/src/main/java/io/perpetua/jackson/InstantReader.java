package io.perpetua.jackson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads {@link Instant}s, with a fast path for the form this serializer writes: UTC with a {@code Z},
 * {@code yyyy-MM-ddTHH:mm:ss} and 0 to 9 fraction digits, as {@link Instant#toString()} gives for
 * years 0000 to 9999. Anything else (an offset, a number, a signed or five-digit year, a leap
 * second) goes to Jackson's own {@link InstantDeserializer}, so what it accepts is unchanged.
 *
 * <p>Why: an event usually carries a timestamp, and the general ISO parser (a {@code
 * DateTimeFormatter} resolving fields through maps) took about a fifth of the time of replaying a
 * small JSON event; this path is a few arithmetic steps.
 */
final class InstantReader extends StdScalarDeserializer<Instant> implements ContextualDeserializer {

    private final JsonDeserializer<Instant> general;

    InstantReader() {
        this(InstantDeserializer.INSTANT);
    }

    private InstantReader(JsonDeserializer<Instant> general) {
        super(Instant.class);
        this.general = general;
    }

    /** Configured per property as Jackson's own reader is (formats, leniency), for the forms it reads. */
    @Override
    @SuppressWarnings("unchecked")
    public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
            throws JsonMappingException {
        JsonDeserializer<?> configured = general instanceof ContextualDeserializer c
                ? c.createContextual(ctxt, property) : general;
        return configured == general ? this : new InstantReader((JsonDeserializer<Instant>) configured);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.hasToken(JsonToken.VALUE_STRING)) {
            // from the parser's buffer: no String is made for a text that is only parsed
            Instant fast = parseUtc(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            if (fast != null) return fast;
        }
        return general.deserialize(p, ctxt);
    }

    /** The instant of {@code s} in the form described above, or null if {@code s} is in another form. */
    static Instant parseUtc(String s) {
        return parseUtc(s.toCharArray(), 0, s.length());
    }

    /**
     * The instant of the {@code n} characters of {@code c} from {@code at} in the form described
     * above, or null if they are in another form.
     */
    static Instant parseUtc(char[] c, int at, int n) {
        if (n < 20 || n > 30 || c[at + n - 1] != 'Z' || c[at + 4] != '-' || c[at + 7] != '-'
                || c[at + 10] != 'T' || c[at + 13] != ':' || c[at + 16] != ':') {
            return null;
        }
        int year = digits(c, at, 4);
        int month = digits(c, at + 5, 2);
        int day = digits(c, at + 8, 2);
        int hour = digits(c, at + 11, 2);
        int minute = digits(c, at + 14, 2);
        int second = digits(c, at + 17, 2);
        if ((year | month | day | hour | minute | second) < 0) return null;
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21; // between '.' and 'Z'
            if (c[at + 19] != '.' || fraction < 1 || fraction > 9) return null;
            nanos = digits(c, at + 20, fraction);
            if (nanos < 0) return null;
            for (int i = fraction; i < 9; i++) nanos *= 10;
        } else if (c[at + 19] != 'Z') {
            return null;
        }
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
        if (day > 28 && day > lengthOfMonth(year, month)) return null;
        return Instant.ofEpochSecond(epochDay(year, month, day) * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The days in {@code month} of {@code year} (0 to 9999) of the proleptic Gregorian calendar. */
    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> isLeap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    private static boolean isLeap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    /**
     * The epoch day of a valid date of years 0 to 9999, as {@link LocalDate#toEpochDay()} computes it,
     * without building and validating a {@code LocalDate} for every instant read.
     */
    private static long epochDay(int year, int month, int day) {
        long days = 365L * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400
                + (367 * month - 362) / 12 + day - 1;
        if (month > 2) days -= isLeap(year) ? 1 : 2;
        return days - DAYS_0000_TO_1970;
    }

    /** The days from 0000-01-01 to 1970-01-01. */
    private static final long DAYS_0000_TO_1970 = 719_528L;

    /** The decimal value of {@code count} ASCII digits at {@code from}, or -1 if one is not a digit. */
    private static int digits(char[] c, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            int d = c[i] - '0';
            if (d < 0 || d > 9) return -1;
            value = value * 10 + d;
        }
        return value;
    }
}
