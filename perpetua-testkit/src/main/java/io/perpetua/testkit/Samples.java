package io.perpetua.testkit;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.PersistenceIds;
import io.perpetua.spi.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Values the contracts write: fresh persistence ids and tags, so that tests never see each other's
 * data in a shared store, and events whose payload is a readable text.
 */
final class Samples {

    /** The manifest of every sample event. */
    static final String MANIFEST = "perpetua.contract.Event";

    private Samples() {}

    /** A persistence id no other test uses: {@code "contract-" + what + "-" + a random UUID}. */
    static String freshId(String what) {
        return "contract-" + what + "-" + UUID.randomUUID();
    }

    /**
     * A persistence id of {@link PersistenceIds#MAX_LENGTH} characters that starts with {@code prefix}
     * and holds quotes, backslashes, wildcards, separators and characters outside the BMP.
     */
    static String longestId(String prefix) {
        StringBuilder id = new StringBuilder(prefix).append(" 'quoted' \"double\" back\\slash %_* /:?#&=+ ");
        String fill = "ü日本😀";
        while (id.length() + fill.length() <= PersistenceIds.MAX_LENGTH) id.append(fill);
        while (id.length() < PersistenceIds.MAX_LENGTH) id.append('é');
        return PersistenceIds.validate(id.toString());
    }

    /** A tag no other test uses. */
    static String freshTag() {
        return "tag-" + UUID.randomUUID();
    }

    /** Now, at the microsecond precision every store keeps. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** An event whose payload is {@code text} in UTF-8. */
    static EventData event(String text, String... tags) {
        return new EventData(new Payload.Serialized(MANIFEST, 1, text.getBytes(StandardCharsets.UTF_8)), Set.of(tags),
                now());
    }

    /** One write of events whose payloads are the given texts. */
    static AtomicWrite write(String persistenceId, ExpectedSequence expected, String... texts) {
        return new AtomicWrite(persistenceId, expected, java.util.Arrays.stream(texts).map(Samples::event).toList());
    }

    /** The text of a sample event. */
    static String text(StoredEvent event) {
        return event.payload() instanceof Payload.Serialized s
                ? new String(s.bytes(), StandardCharsets.UTF_8)
                : String.valueOf(event.payload());
    }

    /** The texts of sample events, in order. */
    static List<String> texts(List<StoredEvent> events) {
        return events.stream().map(Samples::text).toList();
    }

    /** The sequence numbers of events, in order. */
    static List<Long> sequenceNrs(List<StoredEvent> events) {
        return events.stream().map(StoredEvent::sequenceNr).toList();
    }

    /** The global positions of events, in order. */
    static List<Long> positions(List<StoredEvent> events) {
        return events.stream().map(StoredEvent::globalPosition).toList();
    }
}
