package io.perpetua.query;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A store that passes everything to another and records the largest read a reader asked for. */
final class CountingStore implements Store, EventJournal {

    private final Store store;
    private final EventJournal journal;
    final AtomicInteger largestRead = new AtomicInteger();
    final AtomicLong eventsRead = new AtomicLong();

    CountingStore(Store store) {
        this.store = store;
        this.journal = store.journal();
    }

    private List<StoredEvent> counted(int max, List<StoredEvent> events) {
        largestRead.accumulateAndGet(Math.max(max, events.size()), Math::max);
        eventsRead.addAndGet(events.size());
        return events;
    }

    @Override public String uri() { return store.uri(); }
    @Override public EventJournal journal() { return this; }
    @Override public SnapshotStore snapshots() { return store.snapshots(); }
    @Override public CheckpointStore checkpoints() { return store.checkpoints(); }
    @Override public boolean acceptsReferences() { return store.acceptsReferences(); }
    @Override public void close() { store.close(); }
    @Override public List<WriteResult> append(List<AtomicWrite> writes) { return journal.append(writes); }

    @Override
    public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
        return counted(max, journal.read(persistenceId, fromSequenceNr, toSequenceNr, max));
    }

    @Override public long highestSequenceNr(String persistenceId) { return journal.highestSequenceNr(persistenceId); }
    @Override public void deleteUpTo(String persistenceId, long toSequenceNr) { journal.deleteUpTo(persistenceId, toSequenceNr); }

    @Override
    public List<StoredEvent> readAll(long fromPosition, int max) {
        return counted(max, journal.readAll(fromPosition, max));
    }

    @Override
    public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
        return counted(max, journal.readByTag(tag, fromPosition, max));
    }

    @Override public List<String> persistenceIds(String afterId, int max) { return journal.persistenceIds(afterId, max); }
    @Override public long highestGlobalPosition() { return journal.highestGlobalPosition(); }

    @Override
    public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
        return journal.awaitGlobalPosition(afterPosition, timeout);
    }
}
