package io.perpetua.query;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.WriteResult;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/** Writes events straight through the journal SPI: each event is its text, kept by reference. */
final class ReadSideFixtures {

    private ReadSideFixtures() {}

    /** Appends {@code count} events {@code prefix + i} (i from 0) to {@code id}, tagged with {@code tags}. */
    static long[] appendEvents(EventJournal journal, String id, String prefix, int count, String... tags) {
        Instant now = Instant.now();
        List<EventData> events = IntStream.range(0, count)
                .mapToObj(i -> new EventData(new Payload.Reference(prefix + i), Set.of(tags), now))
                .toList();
        WriteResult result = journal.append(List.of(new AtomicWrite(id, ExpectedSequence.any(), events))).get(0);
        if (!(result instanceof WriteResult.Written w)) throw new AssertionError("append failed: " + result);
        return w.globalPositions();
    }
}
