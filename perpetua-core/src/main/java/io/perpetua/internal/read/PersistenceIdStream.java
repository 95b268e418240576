package io.perpetua.internal.read;

import io.perpetua.PersistedEvent;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.StoredEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Function;

/**
 * The events of one stream in sequence order within an inclusive range. A live stream reads the
 * stream again each time the journal reports a higher global position: one indexed read per
 * wake-up, which costs little and never scans other streams' events.
 */
final class PersistenceIdStream extends PagedStream<PersistedEvent> {

    private final String persistenceId;
    private final long to;
    private final boolean live;
    private final Function<StoredEvent, List<PersistedEvent>> decoder;
    private long from;

    PersistenceIdStream(EventJournal journal, int pageSize, String persistenceId, long fromSequenceNr, long to,
            boolean live, Function<StoredEvent, List<PersistedEvent>> decoder) {
        super(journal, pageSize);
        this.persistenceId = persistenceId;
        this.from = Math.max(1, fromSequenceNr);
        this.to = to;
        this.live = live;
        this.decoder = decoder;
    }

    @Override
    protected Fetch fetch(ArrayDeque<PersistedEvent> out) {
        if (from > to) return Fetch.END;
        long highest = journal.highestGlobalPosition();
        List<StoredEvent> events = journal.read(persistenceId, from, to, pageSize);
        if (events.isEmpty()) {
            idleAt = highest;
            return live ? Fetch.IDLE : Fetch.END;
        }
        for (StoredEvent e : events) {
            out.addAll(decoder.apply(e));
            from = e.sequenceNr() + 1;
        }
        return from > to ? Fetch.END : Fetch.MORE;
    }
}
