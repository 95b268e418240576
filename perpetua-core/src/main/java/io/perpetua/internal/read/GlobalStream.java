package io.perpetua.internal.read;

import io.perpetua.PersistedEvent;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.StoredEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Function;

/**
 * Events in global position order, all of them or those with one tag, from a position up to an
 * inclusive end ({@link Long#MAX_VALUE} for a live query).
 */
class GlobalStream extends PagedStream<PersistedEvent> {

    /** The event of a pass-over marker: a stored event the adapter dropped. */
    private static final Object DROPPED = new Object();

    private final String tag;
    private final long end;
    private final Function<StoredEvent, List<PersistedEvent>> decoder;
    private long from;

    GlobalStream(EventJournal journal, int pageSize, String tag, long fromPosition, long end,
            Function<StoredEvent, List<PersistedEvent>> decoder) {
        super(journal, pageSize);
        this.tag = tag;
        this.from = Math.max(1, fromPosition);
        this.end = end;
        this.decoder = decoder;
    }

    /** Whether to put a pass-over marker in the page for each stored event that decodes to nothing. */
    protected boolean marksDropped() {
        return false;
    }

    private static PersistedEvent dropped(StoredEvent e) {
        return new PersistedEvent(e.persistenceId(), e.sequenceNr(), e.globalPosition(), e.timestamp(), e.tags(),
                DROPPED);
    }

    @Override
    protected boolean isPassOver(PersistedEvent item) {
        return item.event() == DROPPED;
    }

    @Override
    protected Fetch fetch(ArrayDeque<PersistedEvent> out) {
        if (from > end) return Fetch.END;
        long highest = journal.highestGlobalPosition();
        List<StoredEvent> events = tag == null ? journal.readAll(from, pageSize) : journal.readByTag(tag, from, pageSize);
        if (events.isEmpty()) {
            idleAt = highest;
            return end == Long.MAX_VALUE ? Fetch.IDLE : Fetch.END;
        }
        for (StoredEvent e : events) {
            if (e.globalPosition() > end) {
                from = end + 1;
                return Fetch.END;
            }
            List<PersistedEvent> decoded = decoder.apply(e);
            if (decoded.isEmpty() && marksDropped()) out.add(dropped(e));
            out.addAll(decoded);
            from = e.globalPosition() + 1;
        }
        return from > end ? Fetch.END : Fetch.MORE;
    }
}
