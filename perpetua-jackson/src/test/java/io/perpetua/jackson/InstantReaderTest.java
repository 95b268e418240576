package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Instants read by the fast path are exactly those the general ISO reader gives; other forms still read. */
class InstantReaderTest {

    public record Stamped(Instant at) {}

    private final JacksonSerializer serializer = new JacksonSerializer();

    private Instant read(String json) {
        Payload.Serialized payload = new Payload.Serialized(Stamped.class.getName(), 1, json.getBytes(StandardCharsets.UTF_8));
        return ((Stamped) serializer.deserialize(payload)).at();
    }

    @Property(tries = 2000)
    void every_instant_of_years_0000_to_9999_reads_back_as_written(
            @ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long seconds,
            @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        Instant at = Instant.ofEpochSecond(seconds, nanos);

        assertThat(InstantReader.parseUtc(at.toString())).isEqualTo(at);
        assertThat(serializer.deserialize(serializer.serialize(new Stamped(at)))).isEqualTo(new Stamped(at));
    }

    @Property(tries = 500)
    void fractions_of_any_length_read_as_the_standard_parser_reads_them(
            @ForAll @LongRange(min = 0, max = 4_102_444_800L) long seconds,
            @ForAll @IntRange(min = 1, max = 9) int digits,
            @ForAll @IntRange(min = 0, max = 999_999_999) int fraction) {
        String base = Instant.ofEpochSecond(seconds).toString(); // ...:ssZ
        String digitsText = String.format("%09d", fraction).substring(0, digits);
        String text = base.substring(0, base.length() - 1) + "." + digitsText + "Z";

        assertThat(InstantReader.parseUtc(text)).isEqualTo(Instant.parse(text));
    }

    @Property(tries = 300)
    void an_instant_inside_a_longer_buffer_reads_as_on_its_own(
            @ForAll @LongRange(min = 0, max = 4_102_444_800L) long seconds,
            @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
            @ForAll @IntRange(min = 0, max = 20) int before) {
        String text = Instant.ofEpochSecond(seconds, nanos).toString();
        char[] buffer = ("\"".repeat(before) + text + "Z9-").toCharArray();

        assertThat(InstantReader.parseUtc(buffer, before, text.length())).isEqualTo(Instant.parse(text));
    }

    @Test
    void every_day_of_years_0000_to_9999_reads_as_the_standard_parser_reads_it() {
        for (LocalDate day = LocalDate.of(0, 1, 1); day.getYear() <= 9999; day = day.plusDays(1)) {
            String text = day + "T23:59:59Z";
            Instant expected = Instant.ofEpochSecond(day.toEpochDay() * 86_400 + 86_399);
            if (!expected.equals(InstantReader.parseUtc(text))) {
                assertThat(InstantReader.parseUtc(text)).as(text).isEqualTo(expected);
            }
        }
        assertThat(InstantReader.parseUtc("2100-02-29T00:00:00Z")).isNull();
        assertThat(InstantReader.parseUtc("2000-02-29T00:00:00Z")).isEqualTo(Instant.parse("2000-02-29T00:00:00Z"));
        assertThat(InstantReader.parseUtc("2026-04-31T00:00:00Z")).isNull();
    }

    @Test
    void other_forms_go_to_the_general_reader() {
        assertThat(read("{\"at\":\"2026-11-23T11:15:30+01:00\"}")).isEqualTo(Instant.parse("2026-11-23T10:15:30Z"));
        assertThat(read("{\"at\":1700000000.5}")).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 500_000_000));
        assertThat(read("{\"at\":\"+12026-01-01T00:00:00Z\"}")).isEqualTo(Instant.parse("+12026-01-01T00:00:00Z"));
        assertThat(InstantReader.parseUtc("2026-11-23T11:15:30+01:00")).isNull();
    }

    @Test
    void impossible_dates_are_refused_as_the_general_reader_refuses_them() {
        assertThat(InstantReader.parseUtc("2026-02-30T00:00:00Z")).isNull();
        assertThat(InstantReader.parseUtc("2026-13-01T00:00:00Z")).isNull();
        assertThat(InstantReader.parseUtc("2026-01-01T24:00:00Z")).isNull();
        assertThat(InstantReader.parseUtc("2026-01-01T00:00:00.Z")).isNull();
        assertThatThrownBy(() -> read("{\"at\":\"2026-02-30T00:00:00Z\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Stamped.class.getName());
    }
}
