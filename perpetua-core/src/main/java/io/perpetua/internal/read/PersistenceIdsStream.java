package io.perpetua.internal.read;

import io.perpetua.spi.EventJournal;
import io.perpetua.spi.StoredEvent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Persistence ids: first the store's listing, page by page in code point order; then, for a live
 * query, each id whose first event (sequence number 1) appears in the global log after the position
 * that was highest when the listing started. An id created while the listing runs may therefore be
 * delivered twice; an id whose first event is deleted before the tail reads it is not delivered.
 */
final class PersistenceIdsStream extends PagedStream<String> {

    private final boolean live;
    private String afterId = "";
    private boolean listing = true;
    private long tailFrom;

    PersistenceIdsStream(EventJournal journal, int pageSize, boolean live) {
        super(journal, pageSize);
        this.live = live;
        this.tailFrom = journal.highestGlobalPosition() + 1;
    }

    @Override
    protected Fetch fetch(ArrayDeque<String> out) {
        if (listing) {
            List<String> ids = journal.persistenceIds(afterId, pageSize);
            if (!ids.isEmpty()) {
                out.addAll(ids);
                afterId = ids.get(ids.size() - 1);
                return Fetch.MORE;
            }
            if (!live) return Fetch.END;
            listing = false;
        }
        long highest = journal.highestGlobalPosition();
        List<StoredEvent> events = journal.readAll(tailFrom, pageSize);
        if (events.isEmpty()) {
            idleAt = highest;
            return Fetch.IDLE;
        }
        for (StoredEvent e : events) {
            if (e.sequenceNr() == 1) out.add(e.persistenceId());
            tailFrom = e.globalPosition() + 1;
        }
        return Fetch.MORE;
    }
}
